import type { StoredEvent } from '@cm/event-store';
import { mismatch, outOfReadOrder } from './store-check';

function anEvent(position: number, transactionId: string, extra: Partial<StoredEvent> = {}) {
  return {
    position,
    transactionId,
    eventId: `0190a0a0-0000-7000-8000-${String(position).padStart(12, '0')}`,
    streamId: `report-${position}`,
    streamVersion: 1,
    type: 'CasualtyReported',
    data: { theatre: 'sudan', count: { low: 1, best: 2 } },
    metadata: { schemaVersion: 1 },
    recordedAt: new Date('2026-12-01T10:00:00.123Z'),
    ...extra,
  } satisfies StoredEvent;
}

describe('mismatch: a message against the stored event at its position', () => {
  const onPartition = (partition: number) => () => partition;

  it('given the same event (keys in another order), then none', () => {
    const stored = anEvent(7, '900');
    const claimed = { ...stored, data: { count: { best: 2, low: 1 }, theatre: 'sudan' } };
    expect(mismatch(claimed, stored, 3, onPartition(3))).toBeNull();
  });

  it('given a position the store does not hold, then it says so', () => {
    expect(mismatch(anEvent(7, '900'), undefined, 3, onPartition(3))).toMatch(
      /no event at position 7/,
    );
  });

  it('given a forged transaction id, type or data, then it names each', () => {
    const stored = anEvent(7, '900');
    const claimed = { ...stored, transactionId: '9000000000', type: 'Unknown', data: { x: 1 } };
    expect(mismatch(claimed, stored, 3, onPartition(3))).toMatch(
      /store-transaction-id, type, data differ/,
    );
  });

  it('given the event of another partition, then it names both', () => {
    const stored = anEvent(7, '900');
    expect(mismatch(stored, stored, 3, onPartition(5))).toMatch(/belongs on partition 5, not 3/);
  });
});

describe('outOfReadOrder', () => {
  it('ignores repeats of a tail, by transaction id then position (numbers, not text)', () => {
    const [a, b, c] = [anEvent(9, '99'), anEvent(10, '100'), anEvent(8, '1000')];
    expect(outOfReadOrder([a, b, c, a, b, c])).toEqual([]);
  });

  it('names an event behind a later one', () => {
    const [a, b, c] = [anEvent(9, '99'), anEvent(10, '100'), anEvent(8, '1000')];
    expect(outOfReadOrder([a, c, b])).toEqual([b]);
  });
});
