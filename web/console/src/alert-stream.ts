import { authHeaders, storedKey } from './api';
import { SseParser } from './sse-parser';
import type { Alert } from './types';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'needs-key';

export interface AlertStreamHandlers {
  onAlert(alert: Alert): void;
  onState(state: StreamState, detail?: string): void;
  /** The stream (re)connected: changes from before it may have been missed only on a first start. */
  onOpen?(first: boolean): void;
}

const DEFAULT_RETRY_MS = 2000;
const MAX_RETRY_MS = 30_000;

/**
 * Live alert changes over Server-Sent Events, resumed with Last-Event-ID after any break so
 * that nothing is lost. Two transports: with a key, a short-lived stream token and the
 * browser's EventSource where the server issues tokens; otherwise (or where it does not) a
 * fetch() stream read by hand, which can send the key as a header.
 */
export class AlertStream {
  private lastEventId: string | undefined;
  private retryMs = DEFAULT_RETRY_MS;
  private failures = 0;
  private stopped = false;
  private opened = false;
  private abort: AbortController | undefined;
  private source: EventSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tokensUnsupported = false;

  constructor(private readonly handlers: AlertStreamHandlers) {}

  start(): void {
    this.stopped = false;
    this.handlers.onState('connecting');
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
    this.source?.close();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const token = storedKey() && !this.tokensUnsupported ? await this.streamToken() : undefined;
    if (this.stopped) return;
    if (token) this.viaEventSource(token);
    else await this.viaFetch();
  }

  /** POST /v1/alerts/stream-tokens; undefined where the server has no such call. */
  private async streamToken(): Promise<string | undefined> {
    try {
      const response = await fetch('/v1/alerts/stream-tokens', {
        method: 'POST',
        headers: { accept: 'application/json', ...authHeaders() },
      });
      if (response.status === 404 || response.status === 405) {
        this.tokensUnsupported = true;
        return undefined;
      }
      if (!response.ok) return undefined;
      return ((await response.json()) as { token?: string }).token;
    } catch {
      return undefined;
    }
  }

  private viaEventSource(token: string): void {
    const params = new URLSearchParams({ token });
    if (this.lastEventId !== undefined) params.set('lastEventId', this.lastEventId);
    const source = new EventSource(`/v1/alerts/stream?${params}`);
    this.source = source;
    source.onopen = () => this.opened_();
    source.addEventListener('alert', (event) => {
      const message = event as MessageEvent<string>;
      if (message.lastEventId) this.lastEventId = message.lastEventId;
      this.deliver(message.data);
    });
    source.onerror = () => {
      // The token is single-use and short-lived: reconnect with a new one, not EventSource's own.
      source.close();
      this.retry();
    };
  }

  private async viaFetch(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    try {
      const response = await fetch('/v1/alerts/stream', {
        headers: {
          accept: 'text/event-stream',
          ...authHeaders(),
          ...(this.lastEventId !== undefined ? { 'last-event-id': this.lastEventId } : {}),
        },
        signal: abort.signal,
        cache: 'no-store',
      });
      if (response.status === 401 || response.status === 403) {
        this.handlers.onState('needs-key', `HTTP ${response.status}`);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      this.opened_();
      const parser = new SseParser(this.lastEventId);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.feed(value)) {
          if (event.id !== undefined) this.lastEventId = event.id;
          if (event.event === 'alert') this.deliver(event.data);
        }
        if (parser.retryMs !== undefined) this.retryMs = parser.retryMs;
      }
      throw new Error('stream ended');
    } catch {
      if (!abort.signal.aborted || !this.stopped) this.retry();
    }
  }

  private opened_(): void {
    this.failures = 0;
    this.handlers.onState('live');
    this.handlers.onOpen?.(!this.opened);
    this.opened = true;
  }

  private deliver(data: string): void {
    try {
      this.handlers.onAlert(JSON.parse(data) as Alert);
    } catch {
      // A malformed event is skipped; the next change of that alert carries it whole.
    }
  }

  private retry(): void {
    if (this.stopped) return;
    this.failures += 1;
    this.handlers.onState('reconnecting');
    const delay = Math.min(MAX_RETRY_MS, this.retryMs * 2 ** Math.min(this.failures - 1, 4));
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}
