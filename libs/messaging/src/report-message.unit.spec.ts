import { KAFKA_CONTENT_TYPE, KAFKA_HEADERS, reportedEventFor, TOPICS } from '@cm/contracts';
import type { StoredEvent } from '@cm/event-store';
import { Partitioners } from 'kafkajs';
import type { KafkaMessage, Message } from 'kafkajs';
import { aCasualtyReport, aDeploymentReport } from '@cm/contracts/testing';
import { partitionFor } from './kafka-connection';
import {
  decodeReportMessage,
  encodeReportMessage,
  STORE_TRANSACTION_HEADER,
  theatreOf,
  UndecodableMessageError,
} from './report-message';

const PARTITIONS = 12;

function aStoredEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  const report = aDeploymentReport({ reportId: 'kp-kursk-1', theatre: 'russia-ukraine' });
  const event = reportedEventFor(report);
  return {
    position: 4711,
    // xid8 beyond 2^53: it must travel as text, never as a JS number.
    transactionId: '18446744073709551000',
    eventId: '01936f6e-8d2a-7b3c-9f00-1234567890ab',
    streamId: `report-${report.reportId}`,
    streamVersion: 1,
    type: event.type,
    data: event.data,
    metadata: { schemaVersion: 1 },
    recordedAt: new Date('2024-11-05T09:31:02.123Z'),
    ...overrides,
  };
}

/** A message as kafkajs hands it to a consumer from a record batch (magic 2). */
type Received = Extract<KafkaMessage, { size?: never }>;

/** What a consumer gets for a produced message (headers as Buffers, as kafkajs delivers them). */
function asReceived(message: Message, offset = '0'): Received {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    headers[name] = Buffer.from(String(value));
  }
  return {
    key: message.key === undefined || message.key === null ? null : Buffer.from(message.key),
    value:
      message.value === undefined || message.value === null ? null : Buffer.from(message.value),
    timestamp: message.timestamp ?? '0',
    attributes: 0,
    offset,
    headers,
  };
}

function received(value: unknown, headers: Record<string, string> = {}): Received {
  return asReceived({
    key: 'russia-ukraine',
    value: typeof value === 'string' ? value : JSON.stringify(value),
    headers: { [STORE_TRANSACTION_HEADER]: '812', ...headers },
  });
}

function undecodable(message: KafkaMessage): UndecodableMessageError {
  try {
    decodeReportMessage(message);
  } catch (error) {
    expect(error).toBeInstanceOf(UndecodableMessageError);
    return error as UndecodableMessageError;
  }
  throw new Error('decodeReportMessage accepted the message');
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils), written out independently of kafkajs. */
function javaMurmur2(text: string): number {
  const data = Buffer.from(text, 'utf8');
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const length4 = data.length >> 2;
  for (let i = 0; i < length4; i++) {
    let k = data.readInt32LE(i * 4);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = data.length & ~3;
  const rest = data.length % 4;
  if (rest >= 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

describe('conflict.reports.v1 messages', () => {
  describe('encodeReportMessage', () => {
    it("carries docs/API.md's headers, the store transaction id, the theatre as key and a JSON value", () => {
      const event = aStoredEvent();
      const message = encodeReportMessage(event, PARTITIONS);

      expect(message.headers).toEqual({
        [KAFKA_HEADERS.eventType]: event.type,
        [KAFKA_HEADERS.eventId]: event.eventId,
        [KAFKA_HEADERS.contentType]: KAFKA_CONTENT_TYPE,
        [STORE_TRANSACTION_HEADER]: '18446744073709551000',
      });
      expect(KAFKA_HEADERS).toEqual({
        eventType: 'event-type',
        eventId: 'event-id',
        contentType: 'content-type',
      });
      expect(KAFKA_CONTENT_TYPE).toBe('application/json');
      expect(message.key).toBe('russia-ukraine');
      expect(message.partition).toBe(partitionFor(TOPICS.reports, 'russia-ukraine', PARTITIONS));
      expect(message.timestamp).toBe(String(Date.parse('2024-11-05T09:31:02.123Z')));
      expect(JSON.parse(String(message.value))).toEqual({
        eventId: event.eventId,
        type: event.type,
        streamId: event.streamId,
        streamVersion: 1,
        position: 4711,
        recordedAt: '2024-11-05T09:31:02.123Z',
        data: JSON.parse(JSON.stringify(event.data)),
        metadata: { schemaVersion: 1 },
      });
    });

    it('keys by the theatre of the event, falling back to the stream id without one', () => {
      const casualty = reportedEventFor(aCasualtyReport({ theatre: 'sudan' }));
      const sudan = aStoredEvent({ type: casualty.type, data: casualty.data });
      expect(theatreOf(sudan)).toBe('sudan');
      expect(encodeReportMessage(sudan, PARTITIONS)).toMatchObject({
        key: 'sudan',
        partition: partitionFor(TOPICS.reports, 'sudan', PARTITIONS),
      });

      // Not a contract event: an event without a theatre still gets a stable key.
      const retraction = aStoredEvent({ type: 'SomethingElse', data: { reason: 'duplicate' } });
      expect(theatreOf(retraction)).toBe(retraction.streamId);
      expect(encodeReportMessage(retraction, PARTITIONS).key).toBe(retraction.streamId);
      expect(theatreOf(aStoredEvent({ data: null }))).toBe('report-kp-kursk-1');
      expect(theatreOf(aStoredEvent({ data: { theatre: 7 } }))).toBe('report-kp-kursk-1');
    });
  });

  describe('decodeReportMessage', () => {
    it('gives back the stored event that was encoded', () => {
      const event = aStoredEvent();
      const decoded = decodeReportMessage(asReceived(encodeReportMessage(event, PARTITIONS)));
      expect(decoded).toEqual({ ...event, data: JSON.parse(JSON.stringify(event.data)) });
      expect(decoded.recordedAt).toBeInstanceOf(Date);
      expect(typeof decoded.transactionId).toBe('string');
    });

    it('round-trips events of every shape the store holds', () => {
      const events = [
        aStoredEvent({ position: 1, transactionId: '3', streamVersion: 0, metadata: {} }),
        aStoredEvent({
          type: 'ReportRetracted',
          data: { reportId: 'kp-kursk-1', reportType: 'deployment', theatre: 'gaza', reason: 'x' },
          streamVersion: 2,
        }),
        aStoredEvent({ data: { theatre: 'gaza', note: 'ünïcødé ✓ "quoted"' } }),
      ];
      for (const event of events) {
        expect(decodeReportMessage(asReceived(encodeReportMessage(event, PARTITIONS)))).toEqual(
          event,
        );
      }
    });

    it('accepts header values given as strings as well as Buffers, and a missing metadata', () => {
      const event = aStoredEvent();
      const message = encodeReportMessage(event, PARTITIONS);
      const value = JSON.parse(String(message.value)) as Record<string, unknown>;
      delete value.metadata;
      const decoded = decodeReportMessage({
        ...asReceived(message),
        value: Buffer.from(JSON.stringify(value)),
        headers: { [STORE_TRANSACTION_HEADER]: [event.transactionId] },
      });
      expect(decoded.metadata).toEqual({});
      expect(decoded.transactionId).toBe(event.transactionId);
    });

    it(`rejects a message without the ${STORE_TRANSACTION_HEADER} header or with one that is no xid8`, () => {
      const message = asReceived(encodeReportMessage(aStoredEvent(), PARTITIONS));
      const { [STORE_TRANSACTION_HEADER]: _dropped, ...others } = message.headers;
      expect(undecodable({ ...message, headers: others }).message).toMatch(
        STORE_TRANSACTION_HEADER,
      );
      expect(undecodable({ ...message, headers: {} }).message).toMatch(STORE_TRANSACTION_HEADER);
      for (const bad of ['', 'abc', '-1', '12.5', '123456789012345678901']) {
        const error = undecodable({
          ...message,
          headers: { ...others, [STORE_TRANSACTION_HEADER]: Buffer.from(bad) },
        });
        expect(error.message).toMatch(STORE_TRANSACTION_HEADER);
      }
    });

    it('rejects a value that is missing, not JSON or not a JSON object', () => {
      const message = asReceived(encodeReportMessage(aStoredEvent(), PARTITIONS));
      expect(undecodable({ ...message, value: null }).message).toMatch(/no value/);
      expect(undecodable({ ...message, value: Buffer.from('{"eventId": ') }).message).toMatch(
        /not JSON/,
      );
      expect(undecodable({ ...message, value: Buffer.from('<xml/>') }).message).toMatch(/not JSON/);
      for (const notAnObject of ['null', '42', '"text"', '[1,2]', 'true']) {
        expect(undecodable({ ...message, value: Buffer.from(notAnObject) }).message).toMatch(
          /not a JSON object/,
        );
      }
    });

    it('rejects a value with missing or ill-typed fields, naming each', () => {
      const valid = JSON.parse(
        String(encodeReportMessage(aStoredEvent(), PARTITIONS).value),
      ) as Record<string, unknown>;
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['no eventId', { eventId: undefined }, /eventId must be a non-empty string/],
        ['an empty type', { type: '' }, /type must be a non-empty string/],
        ['a numeric streamId', { streamId: 12 }, /streamId must be a non-empty string/],
        ['no streamVersion', { streamVersion: undefined }, /streamVersion must be an integer/],
        ['a negative streamVersion', { streamVersion: -1 }, /streamVersion must be an integer/],
        ['position 0', { position: 0 }, /position must be an integer >= 1/],
        ['a fractional position', { position: 1.5 }, /position must be an integer/],
        ['a position as text', { position: '17' }, /position must be an integer/],
        ['no recordedAt', { recordedAt: undefined }, /recordedAt/],
        ['a recordedAt that is no instant', { recordedAt: 'yesterday' }, /recordedAt must be/],
        ['no data', { data: undefined }, /data must be an object/],
        ['null data', { data: null }, /data must be an object/],
        ['text metadata', { metadata: 'x' }, /metadata must be an object/],
      ];
      for (const [what, change, expected] of cases) {
        const value = JSON.stringify({ ...valid, ...change });
        const error = undecodable(received(value));
        expect([what, error.message]).toEqual([what, expect.stringMatching(expected)]);
      }
      const all = undecodable(received({ data: {} }));
      for (const field of ['eventId', 'type', 'streamId', 'streamVersion', 'position']) {
        expect(all.message).toContain(field);
      }
      expect(all.name).toBe('UndecodableMessageError');
    });
  });

  describe('partitionFor', () => {
    it("matches the Java client's murmur2 partitioning, and kafkajs's producer for the same key", () => {
      // Kafka's own murmur2 test vectors (UtilsTest.testMurmur2).
      expect(javaMurmur2('21')).toBe(-973932308);
      expect(javaMurmur2('foobar')).toBe(-790332482);
      expect(javaMurmur2('a-little-bit-long-string')).toBe(-985981536);
      expect(javaMurmur2('a-little-bit-longer-string')).toBe(-1486304829);
      expect(javaMurmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
      expect(javaMurmur2('abc')).toBe(479470107);

      const theatres = Array.from({ length: 200 }, (_, i) => `theatre-${i}`);
      theatres.push('russia-ukraine', 'sudan', 'gaza', 'tarn-valley', 'ünïcødé');
      const partitioner = Partitioners.DefaultPartitioner();
      for (const partitions of [1, 3, 6, 12]) {
        const metadata = Array.from({ length: partitions }, (_, partitionId) => ({
          partitionId,
          leader: 1,
        }));
        for (const theatre of theatres) {
          const expected = (javaMurmur2(theatre) & 0x7fffffff) % partitions;
          expect([theatre, partitionFor(TOPICS.reports, theatre, partitions)]).toEqual([
            theatre,
            expected,
          ]);
          const byProducer = partitioner({
            topic: TOPICS.reports,
            partitionMetadata: metadata as never,
            message: { key: theatre, value: null },
          });
          expect(byProducer).toBe(expected);
        }
      }
      // Keys spread: 200 theatres do not all share a handful of 12 partitions.
      const used = new Set(theatres.map((t) => partitionFor(TOPICS.reports, t, 12)));
      expect(used.size).toBe(12);
    });
  });
});
