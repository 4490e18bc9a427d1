import { KafkaJSNonRetriableError } from 'kafkajs';
import type { PoolClient } from 'pg';
import { reportedEventFor, reportStreamId, TOPICS } from '@cm/contracts';
import { PostgresEventStore } from '@cm/event-store';
import { KAFKA_RUNTIME, partitionFor } from '@cm/messaging';
import type { KafkaRuntime, ReportConsumer } from '@cm/messaging';
import { aCasualtyReport } from '@cm/contracts/testing';
import { startKafkaTestApp, type KafkaTestApp } from '@cm/test-support/kafka-test-app';
import { eventually, httpClient } from '@cm/test-support';

jest.setTimeout(180_000);

/** The Kafka path is slower on a loaded machine: a longer bound, polled less often. */
const PATIENCE = { timeoutMs: 90_000, intervalMs: 100 };

/**
 * The monitor on Kafka (test broker, real PostgreSQL, one process) cannot go blind: a partition
 * held back and a consumer killed inside the process turn /health/ready 503 with a code naming
 * them, and show in the per-partition lag gauge and the crash gauge.
 */
describe('readiness of the Kafka consumer groups', () => {
  let app: KafkaTestApp;
  let store: PostgresEventStore;
  let runtime: KafkaRuntime;
  let reports = 0;
  const theatre = 'sudan';
  let partition: number;
  const anonymous = () => httpClient(app.baseUrl);

  beforeAll(async () => {
    app = await startKafkaTestApp({ env: { KAFKA_STUCK_AFTER_MS: '300' } });
    store = new PostgresEventStore(app.database.pool);
    runtime = app.app.get<KafkaRuntime>(KAFKA_RUNTIME);
    partition = partitionFor(TOPICS.reports, theatre, runtime.partitions(TOPICS.reports));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  }, 120_000);

  async function appendReport(): Promise<void> {
    const report = aCasualtyReport({ reportId: `ready-${++reports}`, theatre });
    const event = reportedEventFor(report);
    await store.append(
      reportStreamId(report.reportId),
      [{ type: event.type, data: event.data, metadata: { schemaVersion: 1 } }],
      { expectedVersion: 'no_stream' },
    );
  }

  async function gauge(name: string, labels: string): Promise<number | undefined> {
    const { text } = await anonymous()('GET', '/metrics');
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  }

  async function ready(): Promise<{ status: number; code?: string; detail?: string }> {
    const { status, body } = await anonymous()('GET', '/health/ready');
    return { status, code: body?.code, detail: body?.detail };
  }

  /** Polls /health/ready until it answers with `code`; returns that answer. */
  async function readinessNaming(code: string): Promise<Awaited<ReturnType<typeof ready>>> {
    let answer: Awaited<ReturnType<typeof ready>> = { status: 0 };
    await eventually(
      `readiness names ${code}`,
      async () => {
        answer = await ready();
        return answer.code === code;
      },
      PATIENCE,
    );
    return answer;
  }

  function memberOf(group: string): ReportConsumer {
    const member = runtime.consumers.watched().find((consumer) => consumer.groupId === group);
    if (!member) throw new Error(`no member of ${group} is watched`);
    return member;
  }

  it('is ready once both groups handled every stored report, each partition at lag 0', async () => {
    await appendReport();
    await eventually(
      'both groups are at lag 0 and ready',
      async () => {
        const lags = await Promise.all(
          ['projector', 'alerter'].map((group) =>
            gauge('cm_kafka_partition_lag_events', `group="${group}",partition="${partition}"`),
          ),
        );
        return lags.every((lag) => lag === 0) && (await ready()).status === 200;
      },
      PATIENCE,
    );
  });

  it('answers 503 KAFKA.PARTITION_STUCK while a partition is behind and not moving', async () => {
    // Hold the projector's progress row of the partition: its next batch cannot commit.
    const holder: PoolClient = await app.database.pool.connect();
    try {
      await holder.query('BEGIN');
      const { rowCount } = await holder.query(
        `SELECT 1 FROM kafka_consumer_progress
         WHERE group_id = 'projector' AND topic = $1 AND partition = $2 FOR UPDATE`,
        [TOPICS.reports, partition],
      );
      expect(rowCount).toBe(1);
      await appendReport();
      const answer = await readinessNaming('KAFKA.PARTITION_STUCK');
      expect(answer.status).toBe(503);
      expect(answer.detail).toContain(`consumer group projector: ${TOPICS.reports}[${partition}]`);
      expect(
        await gauge('cm_kafka_partition_lag_events', `group="projector",partition="${partition}"`),
      ).toBe(1);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    await eventually(
      'the partition moved on and readiness is back',
      async () => {
        const lag = await gauge(
          'cm_kafka_partition_lag_events',
          `group="projector",partition="${partition}"`,
        );
        return lag === 0 && (await ready()).status === 200;
      },
      PATIENCE,
    );
  });

  it('answers 503 KAFKA.CONSUMER_CRASHED once a consumer crashed inside the process', async () => {
    const alerter = memberOf('alerter');
    expect(alerter.crashed()).toBeUndefined();
    // The member's batches now fail in a way kafkajs does not restart from.
    Object.assign(alerter, {
      eachBatch: () => Promise.reject(new KafkaJSNonRetriableError('the alerter is broken')),
    });
    await appendReport();
    const answer = await readinessNaming('KAFKA.CONSUMER_CRASHED');
    expect(answer.status).toBe(503);
    expect(answer.detail).toMatch(/consumer group alerter .*crashed.*not restarting/);
    expect(await gauge('cm_kafka_consumer_crashed', 'group="alerter"')).toBe(1);
    expect(await gauge('cm_kafka_consumer_crashed', 'group="projector"')).toBe(0);
    // Nobody consumes the partition for the alerter: its lag shows in the store's terms and in
    // Kafka's (the message is not committed), and stays.
    expect(
      await gauge('cm_kafka_partition_lag_events', `group="alerter",partition="${partition}"`),
    ).toBe(1);
    expect(
      await gauge('cm_kafka_consumer_lag_messages', `group="alerter",partition="${partition}"`),
    ).toBe(1);
  });
});
