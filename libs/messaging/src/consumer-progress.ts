import { compareCheckpoints, START } from '@cm/event-store';
import type { Checkpoint } from '@cm/event-store';
import type { Queryable } from '@cm/platform/plumbing';

/** The group-wide floor row: every partition of the group has handled at least this. */
export const ALL_PARTITIONS = -1;

export interface PartitionProgress {
  /** What the partition has handled: its own row or the group's floor, whichever is later. */
  effective: Checkpoint;
  /** The partition's own row (for the compare-and-set), or null when it has none. */
  own: Checkpoint | null;
}

/** The progress of `group` on `topic`/`partition`, in the caller's transaction. */
export async function loadProgress(
  tx: Queryable,
  group: string,
  topic: string,
  partition: number,
): Promise<PartitionProgress> {
  const { rows } = await tx.query<{ partition: number; position: string; transaction_id: string }>(
    `SELECT partition, position::text AS position, transaction_id::text AS transaction_id
     FROM kafka_consumer_progress
     WHERE group_id = $1 AND topic = $2 AND partition IN ($3, ${ALL_PARTITIONS})`,
    [group, topic, partition],
  );
  let own: Checkpoint | null = null;
  let effective: Checkpoint = START;
  for (const row of rows) {
    const checkpoint = { position: Number(row.position), transactionId: row.transaction_id };
    if (row.partition === partition) own = checkpoint;
    if (compareCheckpoints(checkpoint, effective) > 0) effective = checkpoint;
  }
  return { effective, own };
}

/**
 * Moves the partition's progress from `from` (as loaded in this transaction) to `to`. When
 * anything else moved it meanwhile (another member that took the partition over in a
 * rebalance), nothing matches and this throws, so the caller's transaction rolls back.
 */
export async function advanceProgress(
  tx: Queryable,
  group: string,
  topic: string,
  partition: number,
  from: Checkpoint | null,
  to: Checkpoint,
): Promise<void> {
  const { rowCount } = from
    ? await tx.query(
        `UPDATE kafka_consumer_progress
         SET position = $4, transaction_id = $5::xid8, updated_at = now()
         WHERE group_id = $1 AND topic = $2 AND partition = $3
           AND position = $6 AND transaction_id = $7::xid8`,
        [group, topic, partition, to.position, to.transactionId, from.position, from.transactionId],
      )
    : await tx.query(
        `INSERT INTO kafka_consumer_progress (group_id, topic, partition, position, transaction_id)
         VALUES ($1, $2, $3, $4, $5::xid8) ON CONFLICT DO NOTHING`,
        [group, topic, partition, to.position, to.transactionId],
      );
  if (rowCount !== 1) {
    throw new ProgressMovedError(
      `the progress of group ${group} on ${topic}[${partition}] moved during a batch`,
    );
  }
}

/**
 * Raises the floor of every partition of `group` to `to` (never lowers it), e.g. after a
 * rebuild replayed the store up to `to`: a consumer then drops every message at or before it.
 */
export async function raiseGroupFloor(
  tx: Queryable,
  group: string,
  topic: string,
  to: Checkpoint,
): Promise<void> {
  await tx.query(
    `INSERT INTO kafka_consumer_progress (group_id, topic, partition, position, transaction_id)
     VALUES ($1, $2, ${ALL_PARTITIONS}, $3, $4::xid8)
     ON CONFLICT (group_id, topic, partition) DO UPDATE
     SET position = excluded.position, transaction_id = excluded.transaction_id, updated_at = now()
     WHERE (kafka_consumer_progress.transaction_id, kafka_consumer_progress.position)
         < (excluded.transaction_id, excluded.position)`,
    [group, topic, to.position, to.transactionId],
  );
}

/** Another member (or a rebuild) moved a partition's progress; the batch is retried. */
export class ProgressMovedError extends Error {
  override readonly name = 'ProgressMovedError';
}
