import type { Pool } from 'pg';

/** The channel appends are announced on; LISTENers anywhere on the database wake on it. */
export const EVENTS_CHANNEL = 'cm_events';

/** Told by the store after each append has committed. Must return at once and never throw. */
export interface AppendNotifier {
  notify(): void;
}

/** What a subscription can be woken by. */
export interface AppendListener {
  /** Calls onAppend whenever events may have been appended; returns the unsubscribe. */
  subscribe(onAppend: () => void): () => void;
}

export interface PostgresAppendNotifierOptions {
  channel?: string;
  /**
   * Least time between the end of one NOTIFY and the next (default 5 ms): under load many
   * appends share one NOTIFY instead of each costing the database a round trip.
   */
  minIntervalMs?: number;
  /** A failed NOTIFY only delays subscribers until their next poll; told here. */
  onError?: (error: unknown) => void;
}

/**
 * Announces committed appends: wakes subscribers in this process directly, and other
 * processes with `pg_notify` sent after the commit. A NOTIFY inside the append transaction
 * would take PostgreSQL's global notify lock at commit and serialise all appends; here at
 * most one `pg_notify` is in flight, and appends committed meanwhile share the next one,
 * sent at least `minIntervalMs` after the previous one ended.
 */
export class PostgresAppendNotifier implements AppendNotifier, AppendListener {
  private readonly channel: string;
  private readonly onError: (error: unknown) => void;
  private readonly minIntervalMs: number;
  private readonly local = new Set<() => void>();
  private inFlight: Promise<void> | null = null;
  private pending = false;

  constructor(
    private readonly pool: Pool,
    options: PostgresAppendNotifierOptions = {},
  ) {
    this.channel = options.channel ?? EVENTS_CHANNEL;
    this.onError = options.onError ?? warn;
    this.minIntervalMs = options.minIntervalMs ?? 5;
  }

  notify(): void {
    for (const wake of this.local) {
      try {
        wake();
      } catch (error) {
        this.onError(error);
      }
    }
    if (this.inFlight) {
      // The NOTIFY in flight may have been sent before this commit: send one more after it.
      this.pending = true;
      return;
    }
    this.send();
  }

  subscribe(onAppend: () => void): () => void {
    this.local.add(onAppend);
    return () => {
      this.local.delete(onAppend);
    };
  }

  /** Resolves once no NOTIFY is in flight; for an orderly shutdown before `pool.end()`. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private send(): void {
    this.pending = false;
    if (this.pool.ending) return;
    this.inFlight = this.pool
      .query({ name: 'cm_es_notify', text: 'SELECT pg_notify($1, $2)', values: [this.channel, ''] })
      .then(
        () => undefined,
        (error: unknown) => this.onError(error),
      )
      .then(() => (this.pending ? delay(this.minIntervalMs) : undefined))
      .finally(() => {
        this.inFlight = null;
        if (this.pending) this.send();
      });
  }
}

const notifiers = new WeakMap<Pool, PostgresAppendNotifier>();

/** The notifier shared by every store and subscription of this process on `pool`. */
export function appendNotifierFor(pool: Pool): PostgresAppendNotifier {
  let notifier = notifiers.get(pool);
  if (!notifier) {
    notifier = new PostgresAppendNotifier(pool);
    notifiers.set(pool, notifier);
  }
  return notifier;
}

/** One listener that fans in several (e.g. in-process and LISTEN). */
export function combineListeners(...listeners: AppendListener[]): AppendListener {
  return {
    subscribe(onAppend) {
      const unsubscribes = listeners.map((listener) => listener.subscribe(onAppend));
      return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function warn(error: unknown): void {
  console.warn('event-store: append notification failed', error);
}
