import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Pool } from 'pg';
import { ALERTS_CHANNEL } from '@cm/alerter';
import type { AlertView } from '@cm/alerter';
import { PostgresAppendListener } from '@cm/event-store';
import { PG_POOL } from '@cm/platform';

/** Stream settings; ALERT_STREAM_OPTIONS overrides them (ALERTS_HEARTBEAT_MS, see the module). */
export interface AlertStreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs: number;
  /** Fallback read of the journal when no NOTIFY came (default 1 s). */
  pollIntervalMs: number;
}

export const ALERT_STREAM_OPTIONS = Symbol('ALERT_STREAM_OPTIONS');

interface JournalEntry {
  seq: number;
  theatre: string;
  alert: AlertView;
}

/** A client's output beyond this is not being read: close it, it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const PAGE = 500;

/** One open stream: its cursor (the last seq sent), its filter and its response. */
class StreamClient {
  replaying = true;
  readonly buffer: JournalEntry[] = [];
  closed = false;

  constructor(
    readonly response: ServerResponse,
    readonly theatre: string | undefined,
    public cursor: number,
  ) {}

  /** Sends an entry after the cursor (never one at or before it: no duplicates). */
  send(entry: JournalEntry): void {
    if (this.closed || entry.seq <= this.cursor) return;
    this.cursor = entry.seq;
    if (this.theatre !== undefined && entry.theatre !== this.theatre) return;
    this.write(`id: ${entry.seq}\nevent: alert\ndata: ${JSON.stringify(entry.alert)}\n\n`);
  }

  write(text: string): void {
    if (this.closed) return;
    this.response.write(text);
    if (this.response.writableLength > MAX_BUFFERED_BYTES) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.response.end();
  }
}

/**
 * Fans the alert journal (alert_changes) out to Server-Sent-Event clients. One reader per
 * process follows the journal in seq order, woken by NOTIFY cm_alerts (sent at the commit of
 * every alert change, by any process) and by a slow poll. A client first replays the journal
 * after its Last-Event-ID from the database while live entries are buffered, then drains the
 * buffer and follows live; seq order is commit order, so this loses nothing and a client's
 * cursor drops anything it has already had.
 */
@Injectable()
export class AlertStreamHub implements OnModuleDestroy {
  private readonly logger = new Logger('AlertStream');
  private readonly clients = new Set<StreamClient>();
  private readonly listener: PostgresAppendListener;
  private started: Promise<void> | undefined;
  private lastSeq = 0;
  private unlisten: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private stopping = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ALERT_STREAM_OPTIONS) private readonly options: AlertStreamOptions,
  ) {
    this.listener = new PostgresAppendListener(pool, {
      channel: ALERTS_CHANNEL,
      onError: (error) => this.logger.warn(`LISTEN ${ALERTS_CHANNEL} failed: ${String(error)}`),
    });
  }

  /**
   * Streams to `response` (headers already sent): the journal after `lastEventId`, or from
   * now on without it. An id beyond the journal (it was rebuilt) replays it from the start.
   */
  async attach(
    response: ServerResponse,
    options: { theatre?: string; lastEventId?: number },
  ): Promise<void> {
    await this.start();
    const head = await this.headSeq();
    const resume = options.lastEventId;
    const client = new StreamClient(
      response,
      options.theatre,
      resume === undefined ? head : resume > head ? 0 : resume,
    );
    this.clients.add(client);
    const forget = (): void => {
      client.closed = true;
      this.clients.delete(client);
    };
    response.on('close', forget);
    // The client may have gone while the head was read: 'close' has then already fired.
    if (response.destroyed) forget();
    try {
      for (;;) {
        const entries = await this.read(client.cursor, options.theatre);
        for (const entry of entries) client.send(entry);
        if (entries.length < PAGE || client.closed) break;
        // Filtered pages skip entries of other theatres: move the cursor past the page.
        client.cursor = Math.max(client.cursor, entries[entries.length - 1].seq);
      }
      for (const entry of client.buffer) client.send(entry);
    } catch (error) {
      this.logger.warn(`alert stream replay failed: ${String(error)}`);
      client.close();
    } finally {
      client.buffer.length = 0;
      client.replaying = false;
    }
  }

  /** Open streams, for tests and metrics. */
  get size(): number {
    return this.clients.size;
  }

  /** Ends every stream before the HTTP server closes (which would otherwise wait for them). */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.unlisten?.();
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    for (const client of this.clients) client.close();
    this.clients.clear();
    await this.draining;
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.lastSeq = await this.headSeq();
      this.unlisten = this.listener.subscribe(() => this.wake());
      this.pollTimer = setInterval(() => this.wake(), this.options.pollIntervalMs);
      this.heartbeatTimer = setInterval(() => {
        for (const client of this.clients) client.write(': heartbeat\n\n');
      }, this.options.heartbeatMs);
      this.pollTimer.unref();
      this.heartbeatTimer.unref();
    })().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  private wake(): void {
    if (this.stopping) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: unknown) => this.logger.warn(`reading alert_changes failed: ${String(error)}`))
      .finally(() => {
        this.draining = undefined;
        if (this.drainAgain) {
          this.drainAgain = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopping && this.clients.size > 0) {
      const entries = await this.read(this.lastSeq);
      for (const entry of entries) {
        this.lastSeq = entry.seq;
        for (const client of this.clients) {
          if (client.replaying) client.buffer.push(entry);
          else client.send(entry);
        }
      }
      if (entries.length < PAGE) return;
    }
    // Nobody listens: skip ahead, a new client reads the journal itself.
    if (this.clients.size === 0) this.lastSeq = await this.headSeq();
  }

  private async read(after: number, theatre?: string): Promise<JournalEntry[]> {
    // ORDER BY the bigint column, not a text alias of it ("10" sorts before "7").
    const { rows } = await this.pool.query<{ id: string; theatre: string; alert: AlertView }>(
      theatre === undefined
        ? `SELECT seq::text AS id, theatre, alert FROM alert_changes WHERE seq > $1
           ORDER BY alert_changes.seq LIMIT $2`
        : `SELECT seq::text AS id, theatre, alert FROM alert_changes WHERE theatre = $3 AND seq > $1
           ORDER BY alert_changes.seq LIMIT $2`,
      theatre === undefined ? [after, PAGE] : [after, PAGE, theatre],
    );
    return rows.map((row) => ({ seq: Number(row.id), theatre: row.theatre, alert: row.alert }));
  }

  private async headSeq(): Promise<number> {
    const { rows } = await this.pool.query<{ head: string }>(
      'SELECT coalesce(max(seq), 0)::text AS head FROM alert_changes',
    );
    return Number(rows[0].head);
  }
}
