import { EscalationEngine, SnapshotMismatchError } from '@cm/escalation';
import type { AlertChange, EngineOptions, Rule } from '@cm/escalation';
import {
  compareCheckpoints,
  describeEvent,
  PostgresEventStore,
  START,
  summarizeFailure,
} from '@cm/event-store';
import type { Checkpoint, StoredEvent } from '@cm/event-store';
import type { Pool } from 'pg';
import type { Log, Queryable } from '@cm/platform';
import { readSnapshot, writeSnapshot, writeSnapshotTheatres } from './engine-snapshot-store';
import { WrittenAlerts } from './written-alerts';

const REPLAY_PAGE = 1000;
/** No checkpoint's state: isAt() is false for every checkpoint. */
const NOWHERE: Checkpoint = Object.freeze({ position: -1, transactionId: '0' });
/** Theatres whose state is taken and written together when a snapshot is stored. */
const SNAPSHOT_THEATRES_AT_ONCE = 10;

/**
 * The rule engine as the alerter runs it: in memory, in step with the alerter's checkpoint.
 * `restoreTo` puts it in the state of a stored checkpoint (the stored snapshot, then the events
 * after it up to the checkpoint, applied without writing); `apply` moves it on by a batch;
 * `saveIfDue` stores the theatres changed since the last snapshot in the batch's transaction.
 */
export class AlertEngineRunner {
  private engine: EscalationEngine;
  /** The checkpoint the engine's state corresponds to. */
  private applied: Checkpoint = START;
  private readonly dirty = new Set<string>();
  private eventsSinceSnapshot = 0;
  /** The stored theatre rows are not a base to build on: the next snapshot rewrites all. */
  private rewriteAll = true;
  /**
   * Alerts whose evidence this runner's batches wrote, valid while the engine is at a committed
   * checkpoint (emptied by restoreTo and by a failed apply; the caller adds to it after writing
   * a batch).
   */
  readonly written = new WrittenAlerts();

  constructor(
    private readonly pool: Pool,
    private readonly name: string,
    private readonly rules: readonly Rule[],
    private readonly options: {
      snapshotEvery: number;
      engine?: EngineOptions;
      log?: Log;
      /**
       * The events this engine follows, when it sees only part of the store (a Kafka
       * partition's theatres): a replay skips the others.
       */
      accepts?: (event: StoredEvent) => boolean;
      /**
       * The subscriber whose parked events (parked_events) a replay leaves out, as the live
       * handling did. An event that throws in the engine during a replay is left out too: the
       * live handling parked it (or an administrator discarded it).
       */
      parkedBy?: string;
    },
  ) {
    this.engine = new EscalationEngine(rules, this.engineOptions());
  }

  /** Whether the engine's state is that of `checkpoint` (else restoreTo it first). */
  isAt(checkpoint: Checkpoint): boolean {
    return compareCheckpoints(this.applied, checkpoint) === 0;
  }

  /** Rebuilds the in-memory state as of `target`, a committed checkpoint of the alerter. */
  async restoreTo(target: Checkpoint): Promise<{ replayed: number; fromSnapshot: boolean }> {
    this.written.clear();
    this.dirty.clear();
    this.eventsSinceSnapshot = 0;
    this.rewriteAll = true;
    let from: Checkpoint = START;
    this.engine = new EscalationEngine(this.rules, this.engineOptions());
    const stored = await readSnapshot(this.pool, this.name);
    if (stored && compareCheckpoints(stored.checkpoint, target) <= 0) {
      try {
        this.engine = EscalationEngine.restore(this.rules, stored.snapshot, this.engineOptions());
        from = stored.checkpoint;
        this.rewriteAll = false;
      } catch (error) {
        if (!(error instanceof SnapshotMismatchError)) throw error;
        this.options.log?.(
          'warn',
          `engine snapshot not used (${error.message}); replaying from the start`,
        );
      }
    }
    const store = new PostgresEventStore(this.pool);
    const parked = await this.parkedPositions();
    let replayed = 0;
    let after = from;
    while (compareCheckpoints(after, target) < 0) {
      const page = await store.readAll({ after, limit: REPLAY_PAGE });
      if (page.events.length === 0) {
        throw new Error(
          `replay stopped at position ${after.position} before the checkpoint ${target.position}`,
        );
      }
      for (const event of page.events) {
        if (compareCheckpoints(checkpointOf(event), target) > 0) break;
        after = checkpointOf(event);
        if (this.options.accepts && !this.options.accepts(event)) continue;
        if (parked.has(event.position)) continue;
        try {
          this.engine.apply(event);
        } catch (error) {
          this.options.log?.(
            'warn',
            `replay left out the event at ${describeEvent(event)}: ${summarizeFailure(error).message}`,
          );
          continue;
        }
        this.touch(event);
        replayed++;
      }
      if (compareCheckpoints(page.checkpoint, target) >= 0) after = target;
    }
    this.applied = target;
    return { replayed, fromSnapshot: from !== START };
  }

  /**
   * Applies a batch in store order, telling `onChanges` what each event changed; the caller
   * stores the changes with the checkpoint.
   */
  apply(
    events: readonly StoredEvent[],
    onChanges: (event: StoredEvent, changes: AlertChange[]) => void,
  ): void {
    try {
      for (const event of events) {
        const changes = this.engine.apply(event);
        this.touch(event);
        if (changes.length) onChanges(event, changes);
      }
    } catch (error) {
      // The engine took part of the batch: its state is no checkpoint's, restore before use.
      this.applied = NOWHERE;
      this.written.clear();
      throw error;
    }
    if (events.length) this.applied = checkpointOf(events[events.length - 1]);
  }

  /**
   * Stores a snapshot of the theatres changed since the last one, as of the last applied
   * event, once `snapshotEvery` events have passed. Call it in the batch's transaction.
   */
  async saveIfDue(tx: Queryable): Promise<boolean> {
    if (this.eventsSinceSnapshot < this.options.snapshotEvery) return false;
    const names = this.rewriteAll ? this.engine.theatreNames() : [...this.dirty];
    if (this.rewriteAll) {
      await tx.query('DELETE FROM alerter_snapshot_theatres WHERE name = $1', [this.name]);
    }
    // The header, then the theatres a few at a time: the whole state taken at once was the
    // alerter's peak memory (a 51 MB snapshot after a million events, on a capped heap).
    await writeSnapshot(tx, this.name, this.applied, this.engine.snapshot([]));
    for (let start = 0; start < names.length; start += SNAPSHOT_THEATRES_AT_ONCE) {
      const part = this.engine.snapshot(names.slice(start, start + SNAPSHOT_THEATRES_AT_ONCE));
      await writeSnapshotTheatres(tx, this.name, part.theatres);
    }
    this.dirty.clear();
    this.eventsSinceSnapshot = 0;
    this.rewriteAll = false;
    return true;
  }

  /** Changes carry the alert before them: the store writes evidence as differences. */
  private engineOptions(): EngineOptions {
    return { ...this.options.engine, withPrevious: true };
  }

  private async parkedPositions(): Promise<Set<number>> {
    if (!this.options.parkedBy) return new Set();
    const { rows } = await this.pool.query<{ position: string }>(
      'SELECT position::text AS position FROM parked_events WHERE subscriber = $1',
      [this.options.parkedBy],
    );
    return new Set(rows.map((row) => Number(row.position)));
  }

  private touch(event: StoredEvent): void {
    const theatre = (event.data as { theatre?: unknown } | null)?.theatre;
    if (typeof theatre === 'string') this.dirty.add(theatre);
    this.eventsSinceSnapshot++;
  }
}

export function checkpointOf(event: StoredEvent): Checkpoint {
  return { position: event.position, transactionId: event.transactionId };
}
