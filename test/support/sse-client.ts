import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * A minimal Server-Sent-Events client over fetch's streaming body (Node has no EventSource):
 * parses `id`, `event`, `data` and comment lines as the WHATWG spec says, keeps what arrived,
 * and lets a test wait for a condition. It never reconnects by itself: tests do, with the
 * Last-Event-ID they choose.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Resolves when the server ends the stream (or the client closes it). */
  readonly ended: Promise<void>;
  private readonly waiters = new Set<() => void>();
  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly controller: AbortController,
    body: ReadableStream<Uint8Array> | null,
  ) {
    this.ended = body ? this.read(body) : Promise.resolve();
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    return new SseClient(response.status, response.headers, controller, response.body);
  }

  /** The id of the last event received. */
  get lastEventId(): string | undefined {
    for (let index = this.events.length - 1; index >= 0; index--) {
      if (this.events[index].id !== undefined) return this.events[index].id;
    }
    return undefined;
  }

  /** Resolves once `condition` holds; rejects after `timeoutMs`, naming `what`. */
  waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`SSE: timed out waiting for ${what} (${this.events.length} events)`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  close(): Promise<void> {
    this.controller.abort();
    return this.ended;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let event: { id?: string; event?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
          if (line === '') {
            if (event.data.length) {
              this.events.push({
                ...(event.id !== undefined ? { id: event.id } : {}),
                event: event.event ?? 'message',
                data: event.data.join('\n'),
              });
            }
            event = { data: [] };
          } else if (line.startsWith(':')) {
            this.comments.push(line.slice(1).trim());
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') event.data.push(value);
            else if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
          }
          for (const waiter of [...this.waiters]) waiter();
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  }
}

/** The complete events in `text` (an event counts once its blank line has arrived). */
export function parseSseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  let event: { id?: string; event?: string; data: string[] } = { data: [] };
  const lines = text.split(/\r\n|\r|\n/);
  // The last piece has no line end yet: it is not a line.
  lines.pop();
  for (const line of lines) {
    if (line === '') {
      if (event.data.length) {
        events.push({
          ...(event.id !== undefined ? { id: event.id } : {}),
          event: event.event ?? 'message',
          data: event.data.join('\n'),
        });
      }
      event = { data: [] };
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') event.data.push(value);
    else if (field === 'id') event.id = value;
    else if (field === 'event') event.event = value;
  }
  return events;
}

/**
 * A client that opens a stream and then reads nothing, as a stuck browser tab or a process
 * paused in a debugger: a raw TCP connection that never reads, so the server's output piles
 * up in the kernel's buffers, then in the server's. `resume()` reads everything that was kept
 * for it, to the end of the connection, and decodes the HTTP response by hand.
 */
export class StalledSseClient {
  private constructor(private readonly socket: Socket) {}

  static connect(url: string, headers: Record<string, string> = {}): Promise<StalledSseClient> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(target.port), target.hostname, () => {
        socket.pause();
        const lines = [
          `GET ${target.pathname}${target.search} HTTP/1.1`,
          `host: ${target.host}`,
          'accept: text/event-stream',
          ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        ];
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
        socket.off('error', reject);
        resolve(new StalledSseClient(socket));
      });
      socket.pause();
      socket.once('error', reject);
    });
  }

  /** Reads on until the server ends or drops the connection. */
  resume(): Promise<{ status: number; events: SseEvent[] }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      this.socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      this.socket.on('error', () => undefined);
      this.socket.on('close', () => {
        const raw = Buffer.concat(chunks);
        const headEnd = raw.indexOf('\r\n\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw.toString('latin1', 0, 20))?.[1] ?? 0);
        const body = dechunk(raw.subarray(headEnd + 4)).toString('utf8');
        resolve({ status, events: parseSseEvents(body) });
      });
      this.socket.resume();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A chunked HTTP body, as far as it arrived (a dropped connection cuts it anywhere). */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(raw.toString('latin1', offset, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, Math.min(lineEnd + 2 + size, raw.length)));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
