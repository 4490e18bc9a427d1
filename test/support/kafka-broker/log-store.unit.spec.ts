import { kafkajsRecordBatch } from './kafkajs-record-batch';
import { LogStore } from './log-store';
import { ErrorCode } from './protocol/error-codes';
import { readRecordBatchHeader } from './protocol/record-batch';

const PRODUCER = 1000;

function batch(baseSequence: number, values: string[], producerEpoch = 0): Promise<Buffer> {
  return kafkajsRecordBatch({
    producerId: PRODUCER,
    producerEpoch,
    baseSequence,
    records: values.map((value) => ({ key: `k-${value}`, value, headers: { origin: 'unit' } })),
  });
}

describe('LogStore', () => {
  let log: LogStore;

  beforeEach(() => {
    log = new LogStore();
    log.createTopic('reports', 2);
  });

  it('stores a batch at the next offsets and serves it back with its base offset rewritten', async () => {
    log.append('reports', 0, [await kafkajsRecordBatch({ records: [{ key: 'a', value: '1' }] })]);
    const second = await kafkajsRecordBatch({
      records: [
        { key: 'b', value: '2', headers: { h: 'x' } },
        { key: null, value: null },
      ],
    });

    const result = log.append('reports', 0, [second]);

    expect(result).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 1 });
    const stored = log.partition('reports', 0)!;
    expect(stored.highWatermark).toBe(3);
    expect(stored.records().map((r) => [r.offset, r.key?.toString() ?? null])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, null],
    ]);
    expect(stored.records()[1].headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
    const served = stored.read(1, 1_000_000, true);
    expect(served).toHaveLength(1);
    expect(served[0].readBigInt64BE(0)).toBe(1n);
    expect(served[0].subarray(12)).toEqual(second.subarray(12));
  });

  it('answers a retried batch of an idempotent producer with its first offset and stores it once', async () => {
    log.append('reports', 1, [await batch(0, ['a', 'b'])]);
    log.append('reports', 1, [await batch(2, ['c'])]);

    const retried = log.append('reports', 1, [await batch(0, ['a', 'b'])]);
    const retriedLater = log.append('reports', 1, [await batch(2, ['c'])]);

    expect(retried).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect(retriedLater).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 2 });
    expect(
      log
        .partition('reports', 1)!
        .records()
        .map((r) => r.value?.toString()),
    ).toEqual(['a', 'b', 'c']);
  });

  it('refuses a sequence gap, an old epoch, and a new producer not starting at 0', async () => {
    log.append('reports', 0, [await batch(0, ['a'], 1)]);

    expect(log.append('reports', 0, [await batch(5, ['gap'], 1)]).errorCode).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(log.append('reports', 0, [await batch(1, ['stale'], 0)]).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    expect(log.append('reports', 1, [await batch(3, ['late start'], 0)]).errorCode).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(log.append('reports', 0, [await batch(0, ['new epoch'], 2)]).errorCode).toBe(
      ErrorCode.NONE,
    );
    expect(
      log
        .partition('reports', 0)!
        .records()
        .map((r) => r.value?.toString()),
    ).toEqual(['a', 'new epoch']);
  });

  it('refuses a batch whose CRC does not match its bytes', async () => {
    const corrupt = Buffer.from(await kafkajsRecordBatch({ records: [{ key: 'a', value: '1' }] }));
    corrupt[corrupt.length - 1] ^= 0xff;

    expect(log.append('reports', 0, [corrupt]).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(log.partition('reports', 0)!.highWatermark).toBe(0);
  });

  it('reads at least one batch past the byte limit, then stops at the limit', async () => {
    for (const value of ['a', 'b', 'c']) {
      log.append('reports', 0, [await kafkajsRecordBatch({ records: [{ key: null, value }] })]);
    }
    const stored = log.partition('reports', 0)!;

    expect(stored.read(0, 1, true)).toHaveLength(1);
    expect(stored.read(0, 1, false)).toHaveLength(0);
    expect(stored.read(1, 1_000_000, false).map((b) => readRecordBatchHeader(b))).toHaveLength(2);
    expect(stored.read(3, 1_000_000, true)).toEqual([]);
  });

  it('wakes a waiter on an append to one of its partitions', async () => {
    const signal = new AbortController().signal;
    const woken = log
      .waitForAppend(new Set(['reports\u00000']), 60_000, signal)
      .then(() => 'woken');

    log.append('reports', 0, [await kafkajsRecordBatch({ records: [{ key: null, value: 'x' }] })]);

    await expect(woken).resolves.toBe('woken');
  });

  describe('retention and the log start offset', () => {
    const HOUR = 3_600_000;
    // Now: retention also runs at each append, against the clock.
    const T0 = Date.now();

    async function fill(topic: string, stamps: number[]): Promise<void> {
      for (const [i, timestamp] of stamps.entries()) {
        const records = [
          { key: null, value: `v${2 * i}` },
          { key: null, value: `v${2 * i + 1}` },
        ];
        log.append(topic, 0, [await kafkajsRecordBatch({ timestamp, records })]);
      }
    }

    it('deletes the batches older than retention.ms and moves the log start offset past them', async () => {
      log.createTopic('timed', 1, { retentionMs: 2 * HOUR });
      await fill('timed', [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]);
      const stored = log.partition('timed', 0)!;
      expect(stored.logStartOffset).toBe(0);

      log.enforceRetention(T0 + 4 * HOUR);

      expect(stored.logStartOffset).toBe(4);
      expect(stored.highWatermark).toBe(8);
      expect(stored.records().map((r) => r.offset)).toEqual([4, 5, 6, 7]);
      expect(stored.read(4, 1_000_000, true)).toHaveLength(2);

      log.enforceRetention(T0 + 6 * HOUR);
      expect(stored.logStartOffset).toBe(8);
      expect(stored.records()).toEqual([]);
    });

    it('deletes the oldest batches while what stays still holds retention.bytes', async () => {
      log.createTopic('sized', 1);
      await fill('sized', [T0, T0, T0, T0]);
      const stored = log.partition('sized', 0)!;
      const batchBytes = stored.batchInfo()[0].bytes;
      log.topic('sized')!.configs = { retentionBytes: 2 * batchBytes };

      log.enforceRetention(T0);

      expect(stored.logStartOffset).toBe(4);
      expect(stored.size).toBe(2 * batchBytes);
      // An append past the limit deletes at once.
      await fill('sized', [T0]);
      expect(stored.logStartOffset).toBe(6);
    });

    it('keeps everything with retention -1 (unset)', async () => {
      await fill('reports', [0, T0]);
      log.enforceRetention(Date.now() + 1000 * 24 * HOUR);
      expect(log.partition('reports', 0)!.logStartOffset).toBe(0);
    });

    it('deletes records before an offset, keeping a batch that straddles it, as DeleteRecords', async () => {
      await fill('reports', [T0, T0, T0]);
      const stored = log.partition('reports', 0)!;

      expect(log.deleteRecordsBefore('reports', 0, 3)).toEqual({
        errorCode: ErrorCode.NONE,
        logStartOffset: 3,
      });
      expect(stored.records().map((r) => r.offset)).toEqual([2, 3, 4, 5]);
      expect(log.deleteRecordsBefore('reports', 0, 1).logStartOffset).toBe(3);
      expect(log.deleteRecordsBefore('reports', 0, 7).errorCode).toBe(
        ErrorCode.OFFSET_OUT_OF_RANGE,
      );
      expect(log.deleteRecordsBefore('reports', 0, 6)).toEqual({
        errorCode: ErrorCode.NONE,
        logStartOffset: 6,
      });
      expect(stored.records()).toEqual([]);
      // The log goes on from its high watermark.
      await fill('reports', [T0]);
      expect(stored.records().map((r) => r.offset)).toEqual([6, 7]);
    });
  });
});
