import type { Checkpoint } from '@cm/event-store';
import type { EngineSnapshot, TheatreSnapshot } from '@cm/escalation';
import type { Queryable } from '@cm/alerts';

/** A stored snapshot: the engine's state as of `checkpoint`. */
export interface StoredSnapshot {
  checkpoint: Checkpoint;
  snapshot: EngineSnapshot;
}

type Header = Omit<EngineSnapshot, 'theatres'>;

/**
 * Stores the theatres in `snapshot` (those changed since the last write) and moves the
 * snapshot's checkpoint, in the caller's transaction. Theatres not in it keep their rows: they
 * have not changed since, so every row is the state as of the new checkpoint.
 */
export async function writeSnapshot(
  tx: Queryable,
  name: string,
  checkpoint: Checkpoint,
  snapshot: EngineSnapshot,
): Promise<void> {
  const { theatres, ...header } = snapshot;
  await tx.query(
    `INSERT INTO alerter_snapshots (name, header, position, transaction_id)
     VALUES ($1, $2::jsonb, $3, $4::xid8)
     ON CONFLICT (name) DO UPDATE SET header = excluded.header, position = excluded.position,
       transaction_id = excluded.transaction_id, updated_at = now()`,
    [name, JSON.stringify(header), checkpoint.position, checkpoint.transactionId],
  );
  await writeSnapshotTheatres(tx, name, theatres);
}

/** Stores theatres' states of a snapshot whose header writeSnapshot stored (same transaction). */
export async function writeSnapshotTheatres(
  tx: Queryable,
  name: string,
  theatres: readonly TheatreSnapshot[],
): Promise<void> {
  // A few theatres per statement: the whole state as one JSON text would be a large
  // transient string on a heap the alerter keeps small.
  for (let start = 0; start < theatres.length; start += THEATRES_PER_STATEMENT) {
    await tx.query(
      `INSERT INTO alerter_snapshot_theatres (name, theatre, state)
       SELECT $1, t.value->>'theatre', t.value FROM jsonb_array_elements($2::jsonb) AS t
       ON CONFLICT (name, theatre) DO UPDATE SET state = excluded.state`,
      [name, JSON.stringify(theatres.slice(start, start + THEATRES_PER_STATEMENT))],
    );
  }
}

const THEATRES_PER_STATEMENT = 10;

export async function readSnapshot(db: Queryable, name: string): Promise<StoredSnapshot | null> {
  const { rows } = await db.query<{ header: Header; position: string; transaction_id: string }>(
    `SELECT header, position, transaction_id::text AS transaction_id
     FROM alerter_snapshots WHERE name = $1`,
    [name],
  );
  if (rows.length === 0) return null;
  const theatres = await db.query<{ state: TheatreSnapshot }>(
    `SELECT state FROM alerter_snapshot_theatres WHERE name = $1 ORDER BY theatre`,
    [name],
  );
  return {
    checkpoint: { position: Number(rows[0].position), transactionId: rows[0].transaction_id },
    snapshot: { ...rows[0].header, theatres: theatres.rows.map((row) => row.state) },
  };
}

export async function deleteSnapshot(tx: Queryable, name: string): Promise<void> {
  await tx.query('DELETE FROM alerter_snapshots WHERE name = $1', [name]);
}
