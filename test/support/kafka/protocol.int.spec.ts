import { connect, type Socket } from 'node:net';
import Decoder from 'kafkajs/src/protocol/decoder';
import Encoder from 'kafkajs/src/protocol/encoder';
import { RecordBatch } from 'kafkajs/src/protocol/recordBatch/v0';
import Record from 'kafkajs/src/protocol/recordBatch/record/v0';
import { KafkaTestBroker } from './kafka-test-broker';
import { ApiKey, ErrorCode } from './protocol';

/** A bare wire-protocol client: frames requests, collects responses by correlation id. */
class RawClient {
  private buffered = Buffer.alloc(0);
  readonly responses: { correlationId: number; body: Decoder }[] = [];
  private waiting: (() => void) | null = null;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (
        this.buffered.length >= 4 &&
        this.buffered.length >= 4 + this.buffered.readInt32BE(0)
      ) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        this.responses.push({
          correlationId: frame.readInt32BE(0),
          body: new Decoder(frame.subarray(4)),
        });
      }
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(apiKey: number, apiVersion: number, correlationId: number, body: Encoder): void {
    const header = new Encoder()
      .writeInt16(apiKey)
      .writeInt16(apiVersion)
      .writeInt32(correlationId)
      .writeString('raw-client')
      .writeEncoder(body);
    const frame = Buffer.alloc(4 + header.size());
    frame.writeInt32BE(header.size(), 0);
    header.buffer.copy(frame, 4);
    this.socket.write(frame);
  }

  /** The next response, or 'closed' when the broker closes the connection. */
  async next(): Promise<{ correlationId: number; body: Decoder } | 'closed'> {
    while (this.responses.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    return this.responses.shift() ?? 'closed';
  }

  close(): void {
    this.socket.destroy();
  }
}

const readVersions = (body: Decoder) =>
  body.readArray((d) => ({
    apiKey: d.readInt16(),
    minVersion: d.readInt16(),
    maxVersion: d.readInt16(),
  }));

describe('KafkaTestBroker: wire protocol details', () => {
  let broker: KafkaTestBroker;
  let client: RawClient;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
    client = await RawClient.open(broker.port);
  });

  afterEach(async () => {
    client.close();
    await broker.stop();
  });

  it('advertises exactly the implemented versions, and answers a too-new ApiVersions with UNSUPPORTED_VERSION in a v0 body', async () => {
    client.send(ApiKey.ApiVersions, 3, 7, new Encoder().writeInt8(0));
    const tooNew = await client.next();
    if (tooNew === 'closed') throw new Error('connection closed');
    expect(tooNew.correlationId).toBe(7);
    expect(tooNew.body.readInt16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(readVersions(tooNew.body)).toEqual(
      broker.supportedApis.map(({ apiKey, minVersion, maxVersion }) => ({
        apiKey,
        minVersion,
        maxVersion,
      })),
    );
    expect(tooNew.body.canReadBytes(1)).toBe(false);

    client.send(ApiKey.ApiVersions, 2, 8, new Encoder());
    const v2 = await client.next();
    if (v2 === 'closed') throw new Error('connection closed');
    expect(v2.body.readInt16()).toBe(ErrorCode.NONE);
    const versions = readVersions(v2.body);
    expect(v2.body.readInt32()).toBe(0); // throttle_time_ms
    expect(versions).toEqual(
      expect.arrayContaining([
        { apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 3 },
        { apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: 4 },
        { apiKey: ApiKey.JoinGroup, minVersion: 0, maxVersion: 2 },
      ]),
    );
  });

  it('sends no response to an acks=0 produce but stores it', async () => {
    broker.createTopic('fire-and-forget', 1);
    const batch = await RecordBatch({ records: [Record({ key: 'k', value: 'v' })] });
    const produce = new Encoder()
      .writeString(null)
      .writeInt16(0) // acks
      .writeInt32(1000)
      .writeArray([
        new Encoder()
          .writeString('fire-and-forget')
          .writeArray([new Encoder().writeInt32(0).writeBytes(batch.buffer)]),
      ]);
    client.send(ApiKey.Produce, 3, 1, produce);
    client.send(ApiKey.Metadata, 1, 2, new Encoder().writeArray(['fire-and-forget']));
    const first = await client.next();
    expect(first === 'closed' ? 'closed' : first.correlationId).toBe(2);
    expect(broker.records('fire-and-forget')).toEqual([
      { offset: 0, key: 'k', value: 'v', headers: {} },
    ]);
  });

  it('answers a fetch beyond the log end with OFFSET_OUT_OF_RANGE', async () => {
    broker.createTopic('short', 1);
    const fetch = new Encoder()
      .writeInt32(-1)
      .writeInt32(100)
      .writeInt32(1)
      .writeInt32(1024 * 1024)
      .writeInt8(0)
      .writeArray([
        new Encoder().writeString('short').writeArray([
          new Encoder()
            .writeInt32(0)
            .writeInt64(5)
            .writeInt32(1024 * 1024),
        ]),
      ]);
    client.send(ApiKey.Fetch, 4, 3, fetch);
    const response = await client.next();
    if (response === 'closed') throw new Error('connection closed');
    const body = response.body;
    body.readInt32(); // throttle
    const [topic] = body.readArray((t) => ({
      name: t.readString(),
      partitions: t.readArray((p) => ({ partition: p.readInt32(), errorCode: p.readInt16() })),
    }));
    expect(topic).toEqual({
      name: 'short',
      partitions: [{ partition: 0, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }],
    });
  });

  it('closes the connection on a version it does not advertise', async () => {
    client.send(ApiKey.Produce, 7, 4, new Encoder());
    expect(await client.next()).toBe('closed');
  });
});
