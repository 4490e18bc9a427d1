import { TOPICS } from '@cm/contracts';
import { PostgresEventStore, START, type StoredEvent } from '@cm/event-store';
import { ReportRelayService } from '@cm/ingest';
import { encodeReportMessage, KAFKA_RUNTIME } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { aCasualtyReport } from '@cm/contracts/testing';
import type { KafkaTestBroker } from '@cm/test-support/kafka-broker/kafka-test-broker';
import { startKafkaTestApp, type KafkaTestApp } from '@cm/test-support/kafka-test-app';
import { hasKcat, itWithKcat, kcatProduce } from '@cm/test-support/kafka-broker/kcat';
import { httpClient, TEST_KEYS } from '@cm/test-support';
import { eventually } from '@cm/test-support/eventually';

/**
 * The first fault in the monitor's distributed mode: reports published to
 * conflict.reports.v1 by another client (kcat, librdkafka) in lz4, snappy and zstd batches
 * instead of by the relay. Without codecs the projector's group crashed on the partition and
 * the reports were never projected, while the process stayed up.
 */
describe('the monitor on Kafka reading batches kcat compressed', () => {
  let broker: KafkaTestBroker;
  let app: KafkaTestApp;

  beforeAll(async () => {
    app = await startKafkaTestApp();
    broker = app.broker;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
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
      // The store hands out events below the oldest open transaction: a subscriber's may
      // still be open, so wait until all three can be read.
      let events: StoredEvent[] = [];
      await eventually('the three reports to be readable from the store', async () => {
        ({ events } = await new PostgresEventStore(app.database.pool).readAll({
          after: START,
          limit: 100,
        }));
        return events.length >= 3;
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

      for (const theatre of theatres) {
        await eventually(`the ${theatre} report to be projected`, async () => {
          const listed = await http('GET', `/v1/reports?theatre=${theatre}`);
          return listed.status === 200 && listed.body.items.length === 1;
        });
      }
      const ready = await httpClient(app.baseUrl)('GET', '/health/ready');
      expect(ready.status).toBe(200);
    },
    120_000,
  );
});
