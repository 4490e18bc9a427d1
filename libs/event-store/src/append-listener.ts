import type { Pool, PoolClient } from 'pg';
import { EVENTS_CHANNEL, type AppendListener } from './append-notifier';

export interface PostgresAppendListenerOptions {
  channel?: string;
  /** Wait before connecting again after the LISTEN connection failed or dropped. */
  reconnectDelayMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * LISTENs for appends made by any process on the database, on one connection taken from
 * the pool while anyone is subscribed. A dropped connection is replaced after a delay, and
 * subscribers are woken once it is back, since notifications sent meanwhile were lost.
 */
export class PostgresAppendListener implements AppendListener {
  private readonly channel: string;
  private readonly reconnectDelayMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly subscribers = new Set<() => void>();
  private client: PoolClient | null = null;
  private release: ((error?: unknown) => void) | null = null;
  private connecting = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: Pool,
    options: PostgresAppendListenerOptions = {},
  ) {
    this.channel = options.channel ?? EVENTS_CHANNEL;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.channel)) {
      throw new RangeError(`Invalid channel name: ${this.channel}`);
    }
    this.reconnectDelayMs = options.reconnectDelayMs ?? 1000;
    this.onError =
      options.onError ?? ((error) => console.warn('event-store: LISTEN failed', error));
  }

  subscribe(onAppend: () => void): () => void {
    this.subscribers.add(onAppend);
    this.connect();
    return () => {
      this.subscribers.delete(onAppend);
      if (this.subscribers.size === 0) this.disconnect();
    };
  }

  /** Whether the LISTEN connection is up (for health checks and tests). */
  get listening(): boolean {
    return this.client !== null;
  }

  private connect(): void {
    if (this.client || this.connecting || this.reconnectTimer || this.subscribers.size === 0) {
      return;
    }
    if (this.pool.ending) return;
    this.connecting = true;
    void this.open().finally(() => {
      this.connecting = false;
    });
  }

  private async open(): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.retryLater(error);
      return;
    }
    let released = false;
    const release = (error?: unknown): void => {
      if (released) return;
      released = true;
      if (this.client === client) this.client = null;
      client.removeListener('notification', this.wakeAll);
      // Destroyed rather than returned: a pooled connection must not stay LISTENing.
      client.release(true);
      if (error !== undefined) this.retryLater(error);
    };
    // A broken socket may report more than once; the first report is acted on.
    client.on('error', (error) => release(error));
    client.on('notification', this.wakeAll);
    try {
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      release(error);
      return;
    }
    if (released) return;
    if (this.subscribers.size === 0) {
      release();
      return;
    }
    this.client = client;
    this.release = release;
    this.wakeAll(); // appends made while nobody listened announced nothing to us
  }

  private retryLater(error: unknown): void {
    this.onError(error);
    if (this.subscribers.size === 0 || this.reconnectTimer || this.pool.ending) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, this.reconnectDelayMs);
  }

  private disconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const release = this.release;
    this.release = null;
    release?.();
  }

  private readonly wakeAll = (): void => {
    for (const wake of this.subscribers) {
      try {
        wake();
      } catch (error) {
        this.onError(error);
      }
    }
  };
}

const listeners = new WeakMap<Pool, PostgresAppendListener>();

/** One LISTEN connection per pool for all subscriptions of this process. */
export function appendListenerFor(pool: Pool): PostgresAppendListener {
  let listener = listeners.get(pool);
  if (!listener) {
    listener = new PostgresAppendListener(pool);
    listeners.set(pool, listener);
  }
  return listener;
}
