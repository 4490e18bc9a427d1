import type { Socket } from 'node:net';
import { ProtocolError, Reader } from './protocol/reader';

/** Request header v1 (v2 adds tagged fields, which only the ApiVersions fallback meets). */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface IncomingRequest {
  header: RequestHeader;
  /** The body, positioned after the header. */
  body: Reader;
  clientHost: string;
  /** Aborts when the connection closes, so a long poll or a join wait can give up. */
  signal: AbortSignal;
}

/** Answers with a response body, or null when the client expects none (acks=0). */
export type Dispatch = (request: IncomingRequest) => Promise<Buffer | null>;

const MAX_FRAME_BYTES = 100 * 1024 * 1024;

/**
 * Framing for one client connection: INT32-size-prefixed requests in, responses out. Requests
 * are handled one at a time and answered in order, as a Kafka broker does per connection.
 */
export class BrokerConnection {
  private pending: Buffer = Buffer.alloc(0);
  private queue: Promise<void> = Promise.resolve();
  private readonly closed = new AbortController();

  constructor(
    private readonly socket: Socket,
    private readonly dispatch: Dispatch,
    private readonly report: (error: Error) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.closed.abort());
    // Resets by a client going away are ordinary; 'close' follows.
    socket.on('error', () => undefined);
  }

  destroy(): void {
    this.closed.abort();
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > MAX_FRAME_BYTES) {
        this.fail(new ProtocolError(`request frame of ${size} bytes`));
        return;
      }
      if (this.pending.length < 4 + size) return;
      const frame = this.pending.subarray(4, 4 + size);
      this.pending = this.pending.subarray(4 + size);
      this.queue = this.queue.then(() => this.handle(frame));
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.closed.signal.aborted) return;
    try {
      const body = new Reader(frame);
      const header: RequestHeader = {
        apiKey: body.int16(),
        apiVersion: body.int16(),
        correlationId: body.int32(),
        clientId: body.nullableString(),
      };
      const response = await this.dispatch({
        header,
        body,
        clientHost: this.socket.remoteAddress ?? '',
        signal: this.closed.signal,
      });
      if (response === null || this.socket.destroyed) return;
      const prefix = Buffer.allocUnsafe(8);
      prefix.writeInt32BE(4 + response.length, 0);
      prefix.writeInt32BE(header.correlationId, 4);
      this.socket.write(Buffer.concat([prefix, response]));
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** A request the broker cannot read: Kafka closes the connection, and so do we. */
  private fail(error: Error): void {
    if (!this.closed.signal.aborted) this.report(error);
    this.destroy();
  }
}
