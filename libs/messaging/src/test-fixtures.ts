/**
 * Shared fixtures of the libs/messaging integration specs (no tests here, so not named as a
 * spec: Jest runs only `*.unit|int|e2e.spec.ts`). A harness is a fresh migrated PostgreSQL database with an event
 * store, and a fresh Kafka test broker (or the cluster given) whose contract topics were created
 * by `ensureTopics`, plus the relays and consumer group members a test starts, stopped by close().
 */
import { reportedEventFor, reportStreamId, TOPICS } from '@cm/contracts';
import { PostgresEventStore, START } from '@cm/event-store';
import type { Checkpoint, StoredEvent } from '@cm/event-store';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { aCasualtyReport, aDeploymentReport } from '@cm/contracts/testing';
import { createTestDatabase, type TestDatabase } from '@cm/test-support/database';
import {
  KafkaTestBroker,
  type StoredRecord,
} from '@cm/test-support/kafka-broker/kafka-test-broker';
import { createKafka, partitionFor } from './kafka-connection';
import type { MessagingLog } from './kafka-connection';
import { ReportConsumer } from './report-consumer';
import type { ConsumedBatch, ReportConsumerOptions } from './report-consumer';
import { checkpointOfEvent, decodeReportMessage, theatreOf } from './report-message';
import { ReportRelay } from './report-relay';
import type { ReportRelayOptions } from './report-relay';
import { ensureTopics } from './topics';

export const THEATRES = ['russia-ukraine', 'sudan', 'gaza', 'myanmar', 'sahel', 'kivu', 'yemen'];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until true (the tests' one polling helper). */
export { eventually } from '@cm/test-support/eventually';

/** A test broker record as kafkajs hands a message to a consumer. */
export function asKafkaMessage(record: StoredRecord): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  for (const header of record.headers) if (header.value) headers[header.key] = header.value;
  return {
    key: record.key,
    value: record.value,
    timestamp: String(record.timestamp),
    attributes: 0,
    offset: String(record.offset),
    headers,
  };
}

export function headersOf(record: StoredRecord): Record<string, string> {
  return Object.fromEntries(record.headers.map(({ key, value }) => [key, String(value)]));
}

export interface RunningRelay {
  relay: ReportRelay;
  /** Events the brokers acknowledged so far (onPublished). */
  published(): number;
}

export interface RunningConsumer {
  consumer: ReportConsumer;
  /** Messages dropped as duplicates so far (onHandled). */
  duplicates(): number;
  /** Every batch the handler returned from (committed or not), with the progress it followed. */
  batches: { partition: number; progress: Checkpoint; events: StoredEvent[] }[];
  deadLetters: { partition: number; offset: string; error: unknown }[];
  stop(): Promise<void>;
}

/**
 * A fresh harness for each test of the enclosing describe block, handed to `use` before the
 * test and closed after it (relays and consumers stopped, broker stopped, database dropped).
 */
export function harnessPerTest(use: (harness: MessagingHarness) => void): void {
  let current: MessagingHarness | undefined;
  beforeEach(async () => {
    current = await MessagingHarness.start();
    use(current);
  }, 120_000);
  afterEach(async () => {
    const harness = current;
    current = undefined;
    await harness?.close();
  }, 120_000);
}

export type ConsumerOverrides = Partial<
  Omit<ReportConsumerOptions, 'kafka' | 'pool' | 'groupId' | 'partitions'>
>;

export class MessagingHarness {
  readonly logs: { source: string; level: string; message: string }[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private reportNo = 0;

  private constructor(
    readonly db: TestDatabase,
    readonly store: PostgresEventStore,
    /** The in-memory broker; undefined against a real cluster (`brokers` given). */
    readonly broker: KafkaTestBroker | undefined,
    readonly brokers: string[],
    private readonly topicPartitions: Map<string, number>,
    /** Report ids of this harness are `<prefix>-<n>`: unique per run against a real cluster. */
    private readonly prefix: string,
  ) {}

  static async start(
    options: { brokers?: string[]; prefix?: string } = {},
  ): Promise<MessagingHarness> {
    const [db, broker] = await Promise.all([
      createTestDatabase(),
      options.brokers ? undefined : KafkaTestBroker.start({ autoCreateTopics: false }),
    ]);
    await db.pool.query(`
      CREATE TABLE handled (
        seq        bigserial PRIMARY KEY,
        group_id   text NOT NULL,
        partition  integer NOT NULL,
        event_id   uuid NOT NULL,
        position   bigint NOT NULL
      )`);
    const brokers = options.brokers ?? broker!.brokers;
    const logs: MessagingHarness['logs'] = [];
    const admin = createKafka({ brokers, clientId: 'cm-test-admin', log: collect(logs, 'admin') });
    const partitions = await ensureTopics(admin);
    const harness = new MessagingHarness(
      db,
      new PostgresEventStore(db.pool),
      broker,
      brokers,
      partitions,
      options.prefix ?? 'r',
    );
    harness.logs.push(...logs);
    return harness;
  }

  /** A client per component, as separate processes have; short timeouts for broker outages. */
  kafka(clientId: string): Kafka {
    return createKafka({
      brokers: this.brokers,
      clientId,
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 5_000,
      log: this.log(clientId),
    });
  }

  log(source: string): MessagingLog {
    return collect(this.logs, source);
  }

  partitions(topic: string = TOPICS.reports): number {
    const count = this.topicPartitions.get(topic);
    if (!count) throw new Error(`no partitions known for ${topic}`);
    return count;
  }

  partitionOf(event: StoredEvent): number {
    return partitionFor(TOPICS.reports, theatreOf(event), this.partitions());
  }

  /** Registers a clean-up for close(), which runs them last first. */
  later(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
    await this.broker?.stop();
    await this.db.drop();
    expect(this.broker?.errors ?? []).toEqual([]);
  }

  /** Appends `count` reports; several appends in flight at once (commit order != position order). */
  async appendReports(count: number): Promise<void> {
    const appends: Promise<unknown>[] = [];
    for (let i = 0; i < count;) {
      const size = Math.min(1 + (i % 3), count - i);
      const items = Array.from({ length: size }, () => {
        const n = ++this.reportNo;
        const theatre = THEATRES[n % THEATRES.length];
        const report =
          n % 2 === 0
            ? aDeploymentReport({ reportId: `${this.prefix}-dep-${n}`, theatre })
            : aCasualtyReport({ reportId: `${this.prefix}-cas-${n}`, theatre });
        const event = reportedEventFor(report);
        return {
          streamId: reportStreamId(report.reportId),
          events: [{ type: event.type, data: event.data, metadata: { schemaVersion: 1 } }],
          expectedVersion: 'no_stream' as const,
        };
      });
      i += size;
      appends.push(this.store.appendBatch(items));
      if (appends.length >= 6) await Promise.all(appends.splice(0));
    }
    await Promise.all(appends);
  }

  /**
   * Every committed event in the store's read order (transaction id, position). readAll stops
   * short of any transaction in flight on the server, a test's elsewhere included: wait it out.
   */
  async readOrder(): Promise<StoredEvent[]> {
    const { rows } = await this.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events`,
    );
    const total = rows[0]!.n; // one row: a count
    const events: StoredEvent[] = [];
    let after: Checkpoint = START;
    const deadline = Date.now() + 30_000;
    while (events.length < total) {
      const page = await this.store.readAll({ after, limit: 1000 });
      if (page.events.length === 0) {
        if (Date.now() > deadline) throw new Error(`read ${events.length} of ${total} events`);
        await sleep(20);
        continue;
      }
      events.push(...page.events);
      after = page.checkpoint;
    }
    return events;
  }

  async startRelay(
    clientId = 'relay',
    overrides: Partial<ReportRelayOptions> = {},
  ): Promise<RunningRelay> {
    let published = 0;
    const relay = new ReportRelay({
      pool: this.db.pool,
      kafka: this.kafka(clientId),
      partitions: this.partitions(),
      batchSize: 25,
      pollIntervalMs: 200,
      log: this.log(clientId),
      onPublished: (events) => (published += events.length),
      ...overrides,
    });
    await relay.start();
    this.later(() => relay.stop());
    return { relay, published: () => published };
  }

  /** Inserts a batch's events into `handled` through the batch's transaction. */
  async record(groupId: string, { partition, events, tx }: ConsumedBatch): Promise<void> {
    await tx.query(
      `INSERT INTO handled (group_id, partition, event_id, position)
       SELECT $1, $2, unnest($3::uuid[]), unnest($4::bigint[])`,
      [groupId, partition, events.map((e) => e.eventId), events.map((e) => e.position)],
    );
  }

  /** A consumer group member; by default its handler records each event in `handled`. */
  async startConsumer(
    groupId: string,
    overrides: ConsumerOverrides = {},
  ): Promise<RunningConsumer> {
    let duplicates = 0;
    const batches: RunningConsumer['batches'] = [];
    const deadLetters: RunningConsumer['deadLetters'] = [];
    const handle = overrides.handle ?? ((batch: ConsumedBatch) => this.record(groupId, batch));
    const consumer = new ReportConsumer({
      kafka: this.kafka(groupId),
      pool: this.db.pool,
      groupId,
      partitions: this.partitions(),
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      rebalanceTimeoutMs: 10_000,
      retry: { initialMs: 20, maxMs: 500 },
      log: this.log(groupId),
      ...overrides,
      handle: async (batch) => {
        await handle(batch);
        batches.push({
          partition: batch.partition,
          progress: batch.progress,
          events: batch.events,
        });
      },
      onHandled: (batch) => {
        duplicates += batch.duplicates;
        overrides.onHandled?.(batch);
      },
      onDeadLetter: (entry) => {
        deadLetters.push(entry);
        overrides.onDeadLetter?.(entry);
      },
    });
    await consumer.start();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await consumer.stop();
    };
    this.later(stop);
    return { consumer, duplicates: () => duplicates, batches, deadLetters, stop };
  }

  /** Test broker only: what `topic` (or one partition of it) holds. */
  records(topic: string, partition?: number): StoredRecord[] {
    if (!this.broker) throw new Error('records() needs the test broker');
    return this.broker.records(topic, partition);
  }

  /** Test broker only: the event ids on a partition of conflict.reports.v1, in offset order. */
  idsOn(partition?: number): string[] {
    return this.records(TOPICS.reports, partition).map(
      (record) => decodeReportMessage(asKafkaMessage(record)).eventId,
    );
  }

  /** Test broker only: the group's committed offsets reached the end of every partition. */
  drained(groupId: string, topic: string = TOPICS.reports): boolean {
    const broker = this.broker;
    if (!broker) throw new Error('drained() needs the test broker');
    for (let partition = 0; partition < this.partitions(topic); partition++) {
      const end = broker.offsets(topic, partition).highWatermark;
      // Nothing committed, or kafkajs's resetOffsets sentinels (-2 earliest, -1 latest): 0.
      const committed = Math.max(0, broker.committedOffset(groupId, topic, partition) ?? 0);
      if (committed !== end) return false;
    }
    return true;
  }

  async handledRows(groupId: string): Promise<{ partition: number; event_id: string }[]> {
    const { rows } = await this.db.pool.query<{ partition: number; event_id: string }>(
      `SELECT partition, event_id::text AS event_id FROM handled WHERE group_id = $1 ORDER BY seq`,
      [groupId],
    );
    return rows;
  }

  /** The stored progress rows of `groupId` on conflict.reports.v1, by partition. */
  async progressOf(groupId: string): Promise<Map<number, Checkpoint>> {
    const { rows } = await this.db.pool.query<{
      partition: number;
      position: string;
      transaction_id: string;
    }>(
      `SELECT partition, position::text AS position, transaction_id::text AS transaction_id
       FROM kafka_consumer_progress WHERE group_id = $1 AND topic = $2`,
      [groupId, TOPICS.reports],
    );
    return new Map(
      rows.map((row) => [
        row.partition,
        { position: Number(row.position), transactionId: row.transaction_id },
      ]),
    );
  }

  /** Every partition's progress is the checkpoint of its last event in `stored`. */
  async expectProgressAtEnd(groupId: string, stored: StoredEvent[]): Promise<void> {
    const expected = new Map<number, Checkpoint>();
    for (const event of stored) expected.set(this.partitionOf(event), checkpointOfEvent(event));
    expect(await this.progressOf(groupId)).toEqual(expected);
  }

  /** `groupId` handled each of `expected` exactly once, in read order per partition. */
  async expectHandledExactlyOnce(groupId: string, expected: StoredEvent[]): Promise<void> {
    const rows = await this.handledRows(groupId);
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.event_id, (counts.get(row.event_id) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    expect(rows.map((row) => row.event_id).sort()).toEqual(expected.map((e) => e.eventId).sort());
    for (let partition = 0; partition < this.partitions(); partition++) {
      expect(rows.filter((row) => row.partition === partition).map((row) => row.event_id)).toEqual(
        expected.filter((event) => this.partitionOf(event) === partition).map((e) => e.eventId),
      );
    }
  }
}

function collect(logs: MessagingHarness['logs'], source: string): MessagingLog {
  return (level, message) => {
    logs.push({ source, level, message });
  };
}
