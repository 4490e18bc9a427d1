import type { Queryable } from './queryable';
import type { AlertChangeKind, AlertView } from './domain/stored-alert';

/**
 * Where alert changes are announced (NOTIFY at the commit of every journal write, by any
 * process): the stream hubs and the Kafka alert relay listen.
 */
export const ALERTS_CHANNEL = 'cm_alerts';

/**
 * One entry of the alert journal: the alert as it stood after the change, whole. The journal
 * table (alert_changes) holds the change (the alert without its evidence, the evidence added
 * and removed); the alert_journal view gives each entry its whole alert back, the same JSON
 * as the table held before (see the alert-evidence migration).
 */
export interface JournalEntry {
  /** Handed out under the journal lock, so seq order is commit order. */
  seq: number;
  alertId: string;
  theatre: string;
  change: AlertChangeKind;
  alert: AlertView;
}

interface JournalRow {
  seq: string;
  alert_id: string;
  theatre: string;
  change: AlertChangeKind;
  alert: AlertView;
}

const COLUMNS = `seq::text AS seq, alert_id::text AS alert_id, theatre, change, alert`;

// ORDER BY the bigint column, qualified: a bare `seq` would order by the text output column
// ('100' sorts before '99').
const PAGE_AFTER = `SELECT ${COLUMNS} FROM alert_journal WHERE seq > $1
  ORDER BY alert_journal.seq LIMIT $2`;
const THEATRE_PAGE_AFTER = `SELECT ${COLUMNS} FROM alert_journal WHERE theatre = $3 AND seq > $1
  ORDER BY alert_journal.seq LIMIT $2`;

/**
 * The one reader of the alert journal, shared by the alert stream (SSE) and the Kafka alert
 * relay: both follow it in seq order from a cursor of their own. Following it never skips a
 * change, as seq order is commit order.
 */
export const alertJournal = {
  /** Up to `limit` entries after seq `after`, in seq order (only `theatre`'s when given). */
  async readAfter(
    db: Queryable,
    after: number,
    limit: number,
    theatre?: string,
  ): Promise<JournalEntry[]> {
    const { rows } = await db.query<JournalRow>(
      theatre === undefined ? PAGE_AFTER : THEATRE_PAGE_AFTER,
      theatre === undefined ? [after, limit] : [after, limit, theatre],
    );
    return rows.map(entryOf);
  },

  /** The entry with this seq, if the journal holds it. */
  async entry(db: Queryable, seq: number): Promise<JournalEntry | undefined> {
    const { rows } = await db.query<JournalRow>(
      `SELECT ${COLUMNS} FROM alert_journal WHERE seq = $1`,
      [seq],
    );
    return rows.length ? entryOf(rows[0]) : undefined;
  },

  /** The last seq written (0 for an empty journal). */
  async head(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ head: string }>(
      'SELECT coalesce(max(seq), 0)::text AS head FROM alert_changes',
    );
    return Number(rows[0].head);
  },
};

function entryOf(row: JournalRow): JournalEntry {
  return {
    seq: Number(row.seq),
    alertId: row.alert_id,
    theatre: row.theatre,
    change: row.change,
    alert: row.alert,
  };
}
