import { RecordBatch } from 'kafkajs/src/protocol/recordBatch/v0';
import Record from 'kafkajs/src/protocol/recordBatch/record/v0';
import { PartitionLog } from './partition-log';
import { ErrorCode } from './protocol';

async function batch(
  values: string[],
  idempotence?: { producerId: number; firstSequence: number; producerEpoch?: number },
): Promise<Buffer> {
  const records = values.map((value, i) =>
    Record({ offsetDelta: i, key: `k-${value}`, value, headers: { h: `h-${value}` } }),
  );
  const encoded = await RecordBatch({
    records,
    lastOffsetDelta: values.length - 1,
    producerId: idempotence?.producerId ?? -1,
    producerEpoch: idempotence?.producerEpoch ?? 0,
    firstSequence: idempotence?.firstSequence ?? 0,
  });
  return encoded.buffer;
}

describe('PartitionLog', () => {
  it('assigns consecutive offsets and rewrites only the stored base offset', async () => {
    const log = new PartitionLog();
    const first = await batch(['a', 'b']);
    expect(log.appendRecordSet(first)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect(log.appendRecordSet(await batch(['c']))).toEqual({ errorCode: 0, baseOffset: 2 });
    expect(log.highWatermark).toBe(3);
    expect(log.records()).toEqual([
      { offset: 0, key: 'k-a', value: 'a', headers: { h: 'h-a' } },
      { offset: 1, key: 'k-b', value: 'b', headers: { h: 'h-b' } },
      { offset: 2, key: 'k-c', value: 'c', headers: { h: 'h-c' } },
    ]);
    const served = log.read(2, 1024 * 1024);
    expect(served.readBigInt64BE(0)).toBe(2n);
    expect(log.read(1, 1024 * 1024).length).toBe(first.length + served.length);
    expect(log.read(3, 1024 * 1024).length).toBe(0);
  });

  it('de-duplicates an idempotent batch sent twice and rejects a sequence gap', async () => {
    const log = new PartitionLog();
    const producerId = 4242;
    const b0 = await batch(['a', 'b'], { producerId, firstSequence: 0 });
    const b2 = await batch(['c'], { producerId, firstSequence: 2 });
    expect(log.appendRecordSet(b0)).toEqual({ errorCode: 0, baseOffset: 0 });
    expect(log.appendRecordSet(b2)).toEqual({ errorCode: 0, baseOffset: 2 });
    // A retry of both: the original offsets, nothing appended.
    expect(log.appendRecordSet(b0)).toEqual({ errorCode: 0, baseOffset: 0 });
    expect(log.appendRecordSet(b2)).toEqual({ errorCode: 0, baseOffset: 2 });
    expect(log.highWatermark).toBe(3);
    const gap = await batch(['e'], { producerId, firstSequence: 5 });
    expect(log.appendRecordSet(gap).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const fresh = await batch(['x'], { producerId: 7, firstSequence: 3 });
    expect(log.appendRecordSet(fresh).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(log.records().map((r) => r.value)).toEqual(['a', 'b', 'c']);
  });

  it('rejects bytes that are not record batches', () => {
    const log = new PartitionLog();
    expect(log.appendRecordSet(Buffer.from('not a batch')).errorCode).toBe(
      ErrorCode.CORRUPT_MESSAGE,
    );
    expect(log.highWatermark).toBe(0);
  });
});
