import { KAFKA_HEADERS, reportedEventFor, reportStreamId, TOPICS } from '@cm/contracts';
import { PostgresEventStore, readEventAt } from '@cm/event-store';
import type { StoredEvent } from '@cm/event-store';
import {
  createKafka,
  encodeReportMessage,
  KAFKA_RUNTIME,
  partitionFor,
  STORE_TRANSACTION_HEADER,
} from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { aCasualtyReport } from '@cm/contracts/testing';
import type { KafkaTestBroker } from '@cm/test-support/kafka-broker/kafka-test-broker';
import { startKafkaTestApp, type KafkaTestApp } from '@cm/test-support/kafka-test-app';
import { eventually } from '@cm/test-support';

jest.setTimeout(180_000);

/** The Kafka path is slower on a loaded machine: a longer bound, polled less often. */
const PATIENCE = { timeoutMs: 90_000, intervalMs: 100 };

/**
 * The second fault end to end: a message on conflict.reports.v1 whose header claims
 * store-transaction-id 9000000000 (an unknown type) must move neither group's progress; both
 * groups dead-letter it, once each, and the next real report of that partition is projected
 * and handled by the alerter (the monitor on Kafka in one process, test broker, PostgreSQL).
 */
describe('a forged message on conflict.reports.v1', () => {
  let broker: KafkaTestBroker;
  let app: KafkaTestApp;
  let store: PostgresEventStore;
  let partition: number;
  let partitions: number;
  let reports = 0;
  const theatre = 'kivu';

  beforeAll(async () => {
    app = await startKafkaTestApp();
    broker = app.broker;
    store = new PostgresEventStore(app.database.pool);
    const runtime = app.app.get<KafkaRuntime>(KAFKA_RUNTIME);
    partitions = runtime.partitions(TOPICS.reports);
    partition = partitionFor(TOPICS.reports, theatre, partitions);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  }, 120_000);

  async function appendReport(): Promise<{ reportId: string; event: StoredEvent }> {
    const report = aCasualtyReport({ reportId: `forge-${++reports}`, theatre });
    const reported = reportedEventFor(report);
    const result = await store.append(
      reportStreamId(report.reportId),
      [{ type: reported.type, data: reported.data, metadata: { schemaVersion: 1 } }],
      { expectedVersion: 'no_stream' },
    );
    const event = (await readEventAt(app.database.pool, result.firstPosition))!;
    return { reportId: report.reportId, event };
  }

  /** Both groups' progress on the partition, as stored. */
  async function progress(): Promise<Map<string, string>> {
    const { rows } = await app.database.pool.query<{ group_id: string; at: string }>(
      `SELECT group_id, transaction_id::text || '/' || position::text AS at
       FROM kafka_consumer_progress WHERE topic = $1 AND partition = $2`,
      [TOPICS.reports, partition],
    );
    return new Map(rows.map((row) => [row.group_id, row.at]));
  }

  async function bothAt(event: StoredEvent): Promise<boolean> {
    const at = await progress();
    const expected = `${event.transactionId}/${event.position}`;
    return at.get('projector') === expected && at.get('alerter') === expected;
  }

  async function projected(reportId: string): Promise<boolean> {
    const { rowCount } = await app.database.pool.query(
      `SELECT 1 FROM rm_casualties WHERE report_id = $1`,
      [reportId],
    );
    return rowCount === 1;
  }

  it('moves no progress, is dead-lettered once per group, and the next report is handled', async () => {
    const first = await appendReport();
    await eventually('both groups handled the first report', () => bothAt(first.event), PATIENCE);

    const genuine = encodeReportMessage(first.event, partitions);
    const producer = createKafka({ brokers: broker.brokers, clientId: 'forger' }).producer();
    await producer.connect();
    try {
      await producer.send({
        topic: TOPICS.reports,
        messages: [
          {
            key: theatre,
            partition,
            value: JSON.stringify({
              ...JSON.parse(String(genuine.value)),
              type: 'SomethingUnknown',
              position: 5_000_000,
            }),
            headers: {
              [KAFKA_HEADERS.eventType]: 'SomethingUnknown',
              [KAFKA_HEADERS.eventId]: '0190a0a0-0000-7000-8000-000000000001',
              [KAFKA_HEADERS.contentType]: 'application/json',
              [STORE_TRANSACTION_HEADER]: '9000000000',
            },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    await eventually(
      'both groups dead-lettered it',
      async () => broker.records(TOPICS.reportsDlq).length === 2,
      PATIENCE,
    );
    expect(await bothAt(first.event)).toBe(true);

    const next = await appendReport();
    await eventually('both groups handled the next report', () => bothAt(next.event), PATIENCE);
    expect(await projected(next.reportId)).toBe(true);

    const letters = broker
      .records(TOPICS.reportsDlq)
      .map((record) =>
        Object.fromEntries(record.headers.map(({ key, value }) => [key, String(value)])),
      );
    expect(letters.map((headers) => headers['dlq-consumer-group']).sort()).toEqual([
      'alerter',
      'projector',
    ]);
    for (const headers of letters) {
      expect(headers).toMatchObject({
        'dlq-error-name': 'UnverifiedMessageError',
        'dlq-error': expect.stringMatching(/no event at position 5000000/),
        'dlq-source-partition': String(partition),
        [STORE_TRANSACTION_HEADER]: '9000000000',
      });
    }
  });
});
