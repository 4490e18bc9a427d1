import { compareCheckpoints, START } from '@cm/event-store';
import type { Checkpoint } from '@cm/event-store';
import { DEFAULT_KAFKA_STUCK_AFTER_MS } from '@cm/platform';
import type { Queryable } from '@cm/platform/plumbing';
import type { Admin } from 'kafkajs';
import { ALL_PARTITIONS } from './consumer-progress';
import { partitionFor } from './kafka-connection';
import type { ReportConsumer } from './report-consumer';
import { THEATRE_SQL } from './store-check';

/** Stored events looked at past the least advanced partition, at most (a scrape stays cheap). */
export const LAG_SCAN_LIMIT = 1_000_000;

/** One partition of a consumer group against the store, by (transaction id, position). */
export interface PartitionLag {
  partition: number;
  /** What the partition has handled (its own progress or the group's floor). */
  progress: Checkpoint;
  /** Stored events of the partition's theatres after its progress. */
  events: number;
  /**
   * How long the partition has been behind without its progress moving (ms): since the later
   * of its last progress and the oldest event it has not handled. 0 when it is not behind.
   */
  stalledMs: number;
}

/**
 * Every partition of `group` on `topic` against the store: the events of its theatres after its
 * progress, in read order (transaction id, position), not positions, which do not grow in that
 * order. Counted over at most LAG_SCAN_LIMIT events past the least advanced partition.
 */
export async function partitionLags(
  db: Queryable,
  group: string,
  topic: string,
  partitions: number,
): Promise<PartitionLag[]> {
  const { rows: progressRows } = await db.query<{
    partition: number;
    position: string;
    transaction_id: string;
    updated_at: Date;
  }>(
    `SELECT partition, position::text AS position, transaction_id::text AS transaction_id,
            updated_at
     FROM kafka_consumer_progress WHERE group_id = $1 AND topic = $2`,
    [group, topic],
  );
  const floor = progressRows.find((row) => row.partition === ALL_PARTITIONS);
  const progress = Array.from({ length: partitions }, (_, partition) => {
    let at: Checkpoint = START;
    let updatedAt: Date | null = null;
    for (const row of progressRows) {
      if (row.partition !== partition && row !== floor) continue;
      const checkpoint = { position: Number(row.position), transactionId: row.transaction_id };
      if (compareCheckpoints(checkpoint, at) > 0) {
        at = checkpoint;
        updatedAt = row.updated_at;
      }
    }
    return { partition, at, updatedAt };
  });
  const least = progress.reduce(
    (min, p) => (compareCheckpoints(p.at, min) < 0 ? p.at : min),
    progress[0]?.at ?? START,
  );
  // The theatres of the tail, mapped to partitions here (Kafka's murmur2 is not in SQL).
  const { rows: theatres } = await db.query<{ theatre: string }>(
    `SELECT DISTINCT theatre FROM (
       SELECT ${THEATRE_SQL} AS theatre FROM events
       WHERE (events.transaction_id, events.position) > ($1::xid8, $2::bigint)
       ORDER BY events.transaction_id, events.position LIMIT $3) AS tail`,
    [least.transactionId, least.position, LAG_SCAN_LIMIT],
  );
  const lags = new Map<number, { events: number; stalledMs: number }>();
  if (theatres.length > 0) {
    const names = theatres.map((row) => row.theatre);
    const { rows } = await db.query<{ partition: number; events: string; stalled_ms: string }>(
      `WITH map AS (
         SELECT * FROM unnest($1::text[], $2::int[]) AS m(theatre, partition)
       ), progress AS (
         SELECT * FROM unnest($3::int[], $4::xid8[], $5::bigint[], $6::timestamptz[])
           AS p(partition, transaction_id, position, updated_at)
       ), tail AS (
         SELECT events.transaction_id, events.position, events.recorded_at,
                ${THEATRE_SQL} AS theatre
         FROM events
         WHERE (events.transaction_id, events.position) > ($7::xid8, $8::bigint)
         ORDER BY events.transaction_id, events.position LIMIT $9
       )
       SELECT progress.partition, count(*)::text AS events,
              floor(extract(epoch FROM now() - greatest(min(tail.recorded_at),
                coalesce(progress.updated_at, '-infinity'))) * 1000)::bigint::text AS stalled_ms
       FROM tail
       JOIN map ON map.theatre = tail.theatre
       JOIN progress ON progress.partition = map.partition
       WHERE (tail.transaction_id, tail.position) > (progress.transaction_id, progress.position)
       GROUP BY progress.partition, progress.updated_at`,
      [
        names,
        names.map((name) => partitionFor(topic, name, partitions)),
        progress.map((p) => p.partition),
        progress.map((p) => p.at.transactionId),
        progress.map((p) => p.at.position),
        progress.map((p) => p.updatedAt),
        least.transactionId,
        least.position,
        LAG_SCAN_LIMIT,
      ],
    );
    for (const row of rows) {
      lags.set(row.partition, {
        events: Number(row.events),
        stalledMs: Math.max(0, Number(row.stalled_ms)),
      });
    }
  }
  return progress.map(({ partition, at }) => ({
    partition,
    progress: at,
    events: lags.get(partition)?.events ?? 0,
    stalledMs: lags.get(partition)?.stalledMs ?? 0,
  }));
}

/**
 * Stored events the consumer group `group` has not handled yet, over all partitions of
 * `topic`: each partition's events after its own progress, in read order (transaction id,
 * position); 0 once every stored event was handled. See partitionLags for one partition.
 */
export async function groupLag(
  db: Queryable,
  group: string,
  topic: string,
  partitions: number,
): Promise<number> {
  const lags = await partitionLags(db, group, topic, partitions);
  return lags.reduce((sum, lag) => sum + lag.events, 0);
}

/** Kafka's own lag of `group` per partition: the high watermark less the committed offset. */
export async function kafkaLags(
  admin: Admin,
  group: string,
  topic: string,
): Promise<Map<number, number>> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
  ]);
  const offsets = new Map(
    (committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
  );
  return new Map(
    ends.map((end) => {
      const low = Number(end.low);
      const high = Number(end.high);
      const at = offsets.get(end.partition) ?? -1;
      // Nothing committed (or below the log start): the group starts at the log start.
      return [end.partition, Math.max(0, high - Math.max(at, low))];
    }),
  );
}

/** Why a process's Kafka consumers make it not ready; `code` is the problem+json code. */
export class ConsumerNotReadyError extends Error {
  override readonly name = 'ConsumerNotReadyError';
  constructor(
    readonly code: 'KAFKA.CONSUMER_CRASHED' | 'KAFKA.PARTITION_STUCK',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The Kafka consumer group members of this process, watched for readiness: a member kafkajs
 * crashed (or that stopped without being asked) is KAFKA.CONSUMER_CRASHED; a partition of its
 * group with stored events it has not handled and no progress for `stuckAfterMs` is
 * KAFKA.PARTITION_STUCK.
 */
export class ConsumerWatch {
  private readonly consumers = new Set<ReportConsumer>();

  constructor(readonly stuckAfterMs: number = DEFAULT_KAFKA_STUCK_AFTER_MS) {}

  /** Watches `consumer` until the returned function is called. */
  watch(consumer: ReportConsumer): () => void {
    this.consumers.add(consumer);
    return () => this.consumers.delete(consumer);
  }

  watched(): ReportConsumer[] {
    return [...this.consumers];
  }

  /** The groups watched (one member each), by group id: for lag gauges. */
  groups(): ReportConsumer[] {
    const groups = new Map<string, ReportConsumer>();
    for (const consumer of this.consumers) {
      groups.set(`${consumer.groupId}\u0000${consumer.topicName}`, consumer);
    }
    return [...groups.values()];
  }

  /** Throws ConsumerNotReadyError naming every crashed member and stuck partition. */
  async check(db: Queryable): Promise<void> {
    const crashed: string[] = [];
    const stuck: string[] = [];
    for (const consumer of this.consumers) {
      const crash = consumer.crashed();
      if (crash) {
        crashed.push(
          `consumer group ${consumer.groupId} on ${consumer.topicName} crashed at ` +
            `${crash.at.toISOString()} (${crash.restart ? 'restarting' : 'not restarting'}): ` +
            crash.error.message,
        );
      }
    }
    if (crashed.length > 0) {
      throw new ConsumerNotReadyError('KAFKA.CONSUMER_CRASHED', `${crashed.join('; ')}.`);
    }
    for (const consumer of this.groups()) {
      const lags = await partitionLags(
        db,
        consumer.groupId,
        consumer.topicName,
        consumer.partitionCount,
      );
      for (const lag of lags) {
        if (lag.events === 0 || lag.stalledMs < this.stuckAfterMs) continue;
        stuck.push(
          `consumer group ${consumer.groupId}: ${consumer.topicName}[${lag.partition}] has ` +
            `${lag.events} stored event(s) after position ${lag.progress.position} ` +
            `(transaction ${lag.progress.transactionId}) and has not moved for ` +
            `${Math.round(lag.stalledMs / 1000)} s`,
        );
      }
    }
    if (stuck.length > 0) {
      throw new ConsumerNotReadyError(
        'KAFKA.PARTITION_STUCK',
        `${stuck.join('; ')} (KAFKA_STUCK_AFTER_MS=${this.stuckAfterMs}).`,
      );
    }
  }
}
