import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { ALERTS_CHANNEL, alertJournal } from '@cm/alerts';
import type { JournalEntry } from '@cm/alerts';
import { PostgresAppendListener } from '@cm/event-store';
import { Metrics, PG_POOL } from '@cm/platform';

/** Stream settings (ALERTS_HEARTBEAT_MS, ALERTS_STREAM_*; see the module). */
export interface AlertStreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs: number;
  /** Fallback read of the journal when no NOTIFY came (default 1 s). */
  pollIntervalMs: number;
  /** A client's unsent output past this many bytes cuts it off (default 1 MiB). */
  bufferBytes: number;
  /** A client that takes none of its unsent output for this long is cut off (default 30 s). */
  stallMs: number;
  /** Open streams per key (default 20). */
  streamsPerKey: number;
}

export const ALERT_STREAM_OPTIONS = Symbol('ALERT_STREAM_OPTIONS');

const PAGE = 500;

type CutOffReason = 'buffer' | 'stalled';

/**
 * One open stream: its cursor (the last seq it was given), its filter and its response.
 * Output the socket has not taken yet stays in the process: it is bounded by `bufferBytes`
 * (past it the connection is dropped; the client resumes with Last-Event-ID and loses
 * nothing, as everything is in the journal) and by `stallMs` without progress.
 */
class StreamClient {
  /** Replaying from the journal; the hub's live fan-out skips it until it has caught up. */
  live = false;
  closed = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private dispatchedAtStall = 0;

  constructor(
    readonly response: ServerResponse,
    readonly theatre: string | undefined,
    public cursor: number,
    private readonly hub: {
      readonly options: AlertStreamOptions;
      observeBuffered(bytes: number): void;
      cutOff(reason: CutOffReason): void;
    },
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
    let buffered = this.response.writableLength;
    if (buffered > this.hub.options.bufferBytes) {
      // Node holds a tick's writes back (corked) and hands them on together: past the bound,
      // hand them over now, so that what is left is what the client has not taken.
      this.flush();
      buffered = this.response.writableLength;
    }
    this.hub.observeBuffered(buffered);
    if (buffered > this.hub.options.bufferBytes) this.cutOff('buffer');
    else if (buffered > 0) this.watchStall();
  }

  /**
   * Ends the corking of this tick's writes. Node 20 and 22 cork the socket; Node 24 keeps a
   * tick's chunked writes in the response itself (to send them as one chunk), out of reach
   * of the socket's uncork(): the response's own uncork() hands them to the socket. Each is
   * called only while corked (the response's count would go below zero on Node 24).
   */
  private flush(): void {
    while (this.response.writableCorked > 0) this.response.uncork();
    const socket = this.response.socket;
    while (socket && socket.writableCorked > 0) socket.uncork();
  }

  /** True while the socket holds back output: replay waits rather than piling more on. */
  get congested(): boolean {
    return !this.closed && this.response.writableNeedDrain;
  }

  /** Resolves once the socket has taken the output (or the stream is gone). */
  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  /** Drops the connection and what is buffered for it, at once. */
  cutOff(reason: CutOffReason): void {
    if (this.closed) return;
    this.hub.cutOff(reason);
    this.closed = true;
    clearTimeout(this.stallTimer);
    this.response.destroy();
  }

  /** Ends the stream (shutdown): politely when nothing is pending, else dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.stallTimer);
    if (this.response.writableLength > 0) this.response.destroy();
    else this.response.end();
  }

  forget(): void {
    this.closed = true;
    clearTimeout(this.stallTimer);
  }

  /**
   * Output is waiting: unless the socket takes some of it within `stallMs`, the client has
   * stopped reading (or its peer is gone) and is cut off.
   */
  private watchStall(): void {
    if (this.stallTimer) return;
    this.dispatchedAtStall = this.dispatched();
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.closed || this.response.writableLength === 0) return;
      if (this.dispatched() === this.dispatchedAtStall) this.cutOff('stalled');
      else this.watchStall();
    }, this.hub.options.stallMs);
    this.stallTimer.unref();
  }

  /** Bytes the kernel has taken from this connection so far. */
  private dispatched(): number {
    const socket = this.response.socket;
    return socket ? socket.bytesWritten - socket.writableLength : 0;
  }
}

/**
 * Fans the alert journal (alert_changes) out to Server-Sent-Event clients. One reader per
 * process follows the journal in seq order, woken by NOTIFY cm_alerts (sent at the commit of
 * every alert change, by any process) and by a slow poll, and hands what it reads to the live
 * clients. A new client first replays the journal after its Last-Event-ID from the database,
 * a page at a time and only as fast as its socket takes it, until it has reached what the
 * reader has read; then it goes live. seq order is commit order, so this loses nothing, and a
 * client's cursor drops anything it has already had.
 */
@Injectable()
export class AlertStreamHub implements OnModuleDestroy {
  private readonly logger = new Logger('AlertStream');
  private readonly clients = new Set<StreamClient>();
  private readonly perKey = new Map<string, number>();
  private readonly listener: PostgresAppendListener;
  private readonly openGauge: Gauge;
  private readonly cutOffs: Counter<'reason'>;
  private readonly refused: Counter;
  private started: Promise<void> | undefined;
  private lastSeq = 0;
  private unlisten: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private stopping = false;
  /** The most any client has had buffered (bytes), after a write; for tests and the docs. */
  peakBufferedBytes = 0;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ALERT_STREAM_OPTIONS) readonly options: AlertStreamOptions,
    metrics: Metrics,
  ) {
    this.listener = new PostgresAppendListener(pool, {
      channel: ALERTS_CHANNEL,
      onError: (error) => this.logger.warn(`LISTEN ${ALERTS_CHANNEL} failed: ${String(error)}`),
    });
    this.openGauge = new Gauge({
      name: 'cm_alert_streams_open',
      help: 'Open GET /v1/alerts/stream connections',
      registers: [metrics.registry],
      collect: () => this.openGauge.set(this.clients.size),
    });
    this.cutOffs = new Counter({
      name: 'cm_alert_stream_cutoffs_total',
      help: 'Alert streams dropped for not reading: buffer (past ALERTS_STREAM_BUFFER_BYTES) or stalled (ALERTS_STREAM_STALL_MS)',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
    this.refused = new Counter({
      name: 'cm_alert_streams_refused_total',
      help: 'Alert streams refused with 429: the key had ALERTS_STREAMS_PER_KEY open',
      registers: [metrics.registry],
    });
  }

  /**
   * Takes one of `principal`'s stream slots; undefined when all are taken. The returned
   * function gives it back (once, however often it is called).
   */
  reserve(principal: string): (() => void) | undefined {
    const open = this.perKey.get(principal) ?? 0;
    if (open >= this.options.streamsPerKey) {
      this.refused.inc();
      return undefined;
    }
    this.perKey.set(principal, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perKey.get(principal) ?? 1) - 1;
      if (left > 0) this.perKey.set(principal, left);
      else this.perKey.delete(principal);
    };
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
      this,
    );
    this.clients.add(client);
    const forget = (): void => {
      client.forget();
      this.clients.delete(client);
    };
    response.on('close', forget);
    // The client may have gone while the head was read: 'close' has then already fired.
    if (response.destroyed) forget();
    response.socket?.setKeepAlive(true, this.options.heartbeatMs);
    try {
      await this.catchUp(client);
      // Shut down while this client was starting: onModuleDestroy did not see it.
      if (this.stopping) client.close();
    } catch (error) {
      this.logger.warn(`alert stream replay failed: ${String(error)}`);
      client.close();
    }
  }

  /** Open streams, for tests and metrics. */
  get size(): number {
    return this.clients.size;
  }

  observeBuffered(bytes: number): void {
    if (bytes > this.peakBufferedBytes) this.peakBufferedBytes = bytes;
  }

  cutOff(reason: CutOffReason): void {
    this.cutOffs.inc({ reason });
  }

  /** Ends every stream before the HTTP server closes (which would otherwise wait for them). */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    // A start under way would LISTEN after this: its pool client would then never be given
    // back, and closing the pool would wait for it for ever.
    await this.started?.catch(() => undefined);
    this.unlisten?.();
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    for (const client of this.clients) client.close();
    this.clients.clear();
    await this.draining;
  }

  /**
   * Replays the journal after the client's cursor, a page at a time, waiting for its socket
   * whenever it holds output back (so a backlog is never built up in memory), until the
   * client has everything the live reader has read; it is then live.
   */
  private async catchUp(client: StreamClient): Promise<void> {
    while (!client.closed && !this.stopping) {
      // Everything up to here has been read by the reader, so it is committed and this
      // page's query sees it.
      const target = this.lastSeq;
      const entries = await this.read(client.cursor, client.theatre);
      for (const entry of entries) {
        client.send(entry);
        if (client.congested) await client.drained();
        if (client.closed) return;
      }
      if (entries.length === PAGE) {
        // Filtered pages skip entries of other theatres: move the cursor past the page.
        client.cursor = Math.max(client.cursor, entries[entries.length - 1].seq);
        continue;
      }
      // A short page: nothing of the client's up to `target` is left unread.
      client.cursor = Math.max(client.cursor, target);
      // Synchronously with the check: the reader hands on everything after lastSeq.
      if (client.cursor >= this.lastSeq) {
        client.live = true;
        return;
      }
    }
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.lastSeq = await this.headSeq();
      if (this.stopping) return;
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
        for (const client of this.clients) if (client.live) client.send(entry);
      }
      if (entries.length < PAGE) return;
    }
    // Nobody listens: skip ahead, a new client reads the journal itself (unless one came
    // meanwhile: it may be live already, and must not miss what lies between).
    if (this.clients.size === 0) {
      const head = await this.headSeq();
      if (this.clients.size === 0) this.lastSeq = Math.max(this.lastSeq, head);
    }
  }

  private read(after: number, theatre?: string): Promise<JournalEntry[]> {
    return alertJournal.readAfter(this.pool, after, PAGE, theatre);
  }

  private headSeq(): Promise<number> {
    return alertJournal.head(this.pool);
  }
}
