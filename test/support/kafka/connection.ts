/**
 * One client connection of the Kafka test broker: int32-size framing, request header decoding,
 * dispatch to the API modules. Requests on a connection are handled one at a time, in order, and
 * answered in order — as Kafka does. TEST HARNESS ONLY — see docs/KAFKA-TEST-BROKER.md.
 */
import type { Socket } from 'node:net';
import type { BrokerState } from './broker-state';
import { ApiKey, type ApiModule, Decoder, type Encoder, type RequestHeader } from './protocol';

const MAX_FRAME = 100 * 1024 * 1024;

export class Connection {
  private pending: Buffer = Buffer.alloc(0);
  private queue: Promise<void> = Promise.resolve();
  private markClosed!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));
  private isClosed = false;

  constructor(
    private readonly socket: Socket,
    private readonly state: BrokerState,
    private readonly apis: ReadonlyMap<number, ApiModule>,
    private readonly log: (message: string) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  destroy(): void {
    this.socket.destroy();
    this.close();
  }

  private close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.markClosed();
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > MAX_FRAME) {
        this.log(`bad frame size ${size}; closing`);
        this.destroy();
        return;
      }
      if (this.pending.length < 4 + size) return;
      const frame = Buffer.from(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
      this.queue = this.queue.then(() => this.handle(frame));
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.isClosed) return;
    const decoder = new Decoder(frame);
    const header: RequestHeader = {
      apiKey: decoder.readInt16(),
      apiVersion: decoder.readInt16(),
      correlationId: decoder.readInt32(),
      clientId: decoder.readString(),
    };
    const api = this.apis.get(header.apiKey);
    let body: Encoder | null;
    try {
      if (!api) {
        this.log(`unsupported api key ${header.apiKey} v${header.apiVersion}; closing`);
        this.destroy();
        return;
      }
      const versionOk = header.apiVersion >= api.minVersion && header.apiVersion <= api.maxVersion;
      // ApiVersions answers any version itself (UNSUPPORTED_VERSION in a v0 body); for the other
      // APIs a version outside the advertised range is a client bug: close, as Kafka does.
      if (!versionOk && header.apiKey !== ApiKey.ApiVersions) {
        this.log(`unsupported ${api.name} v${header.apiVersion}; closing`);
        this.destroy();
        return;
      }
      body = await api.handle(decoder, {
        header,
        state: this.state,
        closed: this.closed,
        dropConnection: () => this.destroy(),
      });
    } catch (error) {
      this.log(`${api?.name ?? header.apiKey} v${header.apiVersion} failed: ${String(error)}`);
      this.destroy();
      return;
    }
    if (body === null || this.isClosed) return;
    const payload = body.buffer;
    const out = Buffer.allocUnsafe(8 + payload.length);
    out.writeInt32BE(4 + payload.length, 0);
    out.writeInt32BE(header.correlationId, 4);
    payload.copy(out, 8);
    this.socket.write(out);
  }
}
