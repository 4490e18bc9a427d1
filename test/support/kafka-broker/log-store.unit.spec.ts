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
});
