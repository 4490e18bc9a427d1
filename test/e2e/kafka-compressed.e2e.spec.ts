import { TOPICS } from '@cm/contracts';
import { PostgresEventStore, START } from '@cm/event-store';
import { ReportRelayService } from '@cm/ingest';
import { encodeReportMessage, KAFKA_RUNTIME } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { aCasualtyReport } from '@cm/contracts/testing';
import { KafkaTestBroker } from '@cm/test-support/kafka-broker/kafka-test-broker';
import { hasKcat, itWithKcat, kcatProduce } from '@cm/test-support/kafka-broker/kcat';
import { httpClient, startTestApp, TEST_KEYS, type TestApp } from '@cm/test-support';

/**
 * The first fault in the monitor's distributed mode: reports published to
 * conflict.reports.v1 by another client (kcat, librdkafka) in lz4, snappy and zstd batches
 * instead of by the relay. Without codecs the projector's group crashed on the partition and
 * the reports were never projected, while the process stayed up.
 */
describe('the monitor on Kafka reading batches kcat compressed', () => {
  let broker: KafkaTestBroker;
  let app: TestApp;

  beforeAll(async () => {
    broker = await KafkaTestBroker.start({ autoCreateTopics: false });
    app = await startTestApp({ kafkaBrokers: broker.brokers });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await broker?.stop();
    expect(broker?.errors ?? []).toEqual([]);
  }, 120_000);

  itWithKcat(
    'projects reports that arrive as lz4, snappy and zstd batches',
    async () => {
      if (!hasKcat) throw new Error('kcat does not run from PATH (apt-get install -y kcat)');
      // The relay is stopped: the only copy of these events on the topic is kcat's.
      await app.app.get(ReportRelayService).current()!.stop();
      const http = httpClient(app.baseUrl, TEST_KEYS.both);
      const codecs = ['lz4', 'snappy', 'zstd'] as const;
      const theatres = ['sudan', 'gaza', 'myanmar'];
      for (const [i, theatre] of theatres.entries()) {
        const filed = await http(
          'POST',
          '/v1/reports',
          aCasualtyReport({ reportId: `kcat-${codecs[i]}`, theatre }),
        );
        expect(filed.status).toBe(201);
      }
      const { events } = await new PostgresEventStore(app.database.pool).readAll({
        after: START,
        limit: 100,
      });
      expect(events).toHaveLength(3);
      const partitions = app.app
        .get<symbol, KafkaRuntime>(KAFKA_RUNTIME)
        .partitions(TOPICS.reports);
      for (const [i, event] of events.entries()) {
        const message = encodeReportMessage(event, partitions);
        await kcatProduce({
          broker: broker.brokers[0],
          topic: TOPICS.reports,
          partition: message.partition!,
          codec: codecs[i],
          key: String(message.key),
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          ),
          values: [String(message.value)],
        });
      }
      const stored = Array.from({ length: partitions }, (_, p) => p).flatMap((p) =>
        broker.batches(TOPICS.reports, p).map((batch) => batch.compression),
      );
      expect(stored.sort()).toEqual([...codecs].sort());

      const deadline = Date.now() + 60_000;
      for (const theatre of theatres) {
        for (;;) {
          const listed = await http('GET', `/v1/reports?theatre=${theatre}`);
          if (listed.status === 200 && listed.body.items.length === 1) break;
          if (Date.now() > deadline) throw new Error(`the ${theatre} report was not projected`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      const ready = await httpClient(app.baseUrl)('GET', '/health/ready');
      expect(ready.status).toBe(200);
    },
    120_000,
  );
});
