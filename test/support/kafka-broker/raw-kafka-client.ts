import { connect, type Socket } from 'node:net';
import { Reader } from './protocol/reader';
import type { Writer } from './protocol/writer';

/**
 * A bare protocol client for tests that need one exact request on the wire (a parked Fetch, an
 * ApiVersions version no library sends). Request header v1; responses matched by correlation id.
 */
export class RawKafkaClient {
  private pending = Buffer.alloc(0);
  private correlationId = 0;
  private readonly waiting = new Map<number, (body: Reader) => void>();
  private readonly failures = new Set<(error: Error) => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => {
      const error = new Error('connection closed');
      for (const fail of this.failures) fail(error);
    });
  }

  static connect(address: string): Promise<RawKafkaClient> {
    const [host, port] = address.split(':');
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), host, () => {
        socket.off('error', reject);
        resolve(new RawKafkaClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one request; resolves with the response body after its correlation id. */
  request(apiKey: number, version: number, body: Writer): Promise<Reader> {
    const correlationId = ++this.correlationId;
    const clientId = Buffer.from('raw-test-client');
    const payload = body.toBuffer();
    const header = Buffer.alloc(10 + clientId.length);
    header.writeInt16BE(apiKey, 0);
    header.writeInt16BE(version, 2);
    header.writeInt32BE(correlationId, 4);
    header.writeInt16BE(clientId.length, 8);
    clientId.copy(header, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + payload.length, 0);
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => reject(error);
      this.failures.add(fail);
      this.waiting.set(correlationId, (response) => {
        this.failures.delete(fail);
        resolve(response);
      });
      this.socket.write(Buffer.concat([size, header, payload]));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
      const frame = this.pending.subarray(4, 4 + this.pending.readInt32BE(0));
      this.pending = this.pending.subarray(4 + frame.length);
      const reader = new Reader(frame);
      const correlationId = reader.int32();
      this.waiting.get(correlationId)?.(reader);
      this.waiting.delete(correlationId);
    }
  }
}
