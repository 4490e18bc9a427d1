import { TOPICS } from '@cm/contracts';
import { hasKcat, itWithKcat, kcatProduce } from '@cm/test-support/kafka-broker/kcat';
import { encodeReportMessage } from './report-message';
import type { MessagingHarness } from './test-fixtures';
import { eventually, harnessPerTest } from './test-fixtures';

jest.setTimeout(180_000);

/**
 * Fault 1 of the distributed mode: a batch compressed by another client (here librdkafka,
 * through kcat) on conflict.reports.v1. kafkajs alone has only gzip; without the codecs the
 * consumer crashed on the partition and never came back.
 */
describe('ReportConsumer reading batches kcat (librdkafka) compressed', () => {
  let h: MessagingHarness;

  harnessPerTest((harness) => (h = harness));

  for (const codec of ['lz4', 'snappy', 'zstd'] as const) {
    itWithKcat(`handles stored reports published as ${codec} batches, once each`, async () => {
      if (!hasKcat) throw new Error('kcat does not run from PATH (apt-get install -y kcat)');
      await h.appendReports(9);
      const stored = await h.readOrder();
      // Published by kcat instead of the relay: same keys, partitions, headers and values.
      for (const event of stored) {
        const message = encodeReportMessage(event, h.partitions());
        await kcatProduce({
          broker: h.brokers[0],
          topic: TOPICS.reports,
          partition: message.partition!,
          codec,
          key: String(message.key),
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          ),
          values: [String(message.value)],
        });
      }
      const codecs = new Set(
        Array.from({ length: h.partitions() }, (_, p) => h.broker!.batches(TOPICS.reports, p))
          .flat()
          .map((batch) => batch.compression),
      );
      expect([...codecs]).toEqual([codec]);

      const consumer = await h.startConsumer('projector');
      await eventually('the group handled every partition', () => h.drained('projector'));
      await h.expectHandledExactlyOnce('projector', stored);
      expect(consumer.deadLetters).toEqual([]);
      expect(h.logs.filter((entry) => entry.level === 'error')).toEqual([]);
    });
  }
});
