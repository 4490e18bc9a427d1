import {
  bucketStart,
  computeSeries,
  nextBucketStart,
  TooManyBucketsError,
  type CasualtyFact,
  type SeriesFacts,
} from './series';

const none: SeriesFacts = { casualties: [], violations: [], personnel: [] };

function casualty(overrides: Partial<CasualtyFact>): CasualtyFact {
  return {
    reportId: 'c-1',
    occurredAt: '2026-03-02T10:00:00.000Z',
    party: 'UA',
    category: 'killed',
    civilian: false,
    cumulative: false,
    best: 1,
    source: 'ministry',
    reliability: 'B',
    credibility: 2,
    ...overrides,
  };
}

describe('buckets', () => {
  it('starts days at 00:00 UTC, weeks on Monday (ISO) and months on the 1st', () => {
    // 2026-03-08 is a Sunday: its ISO week began on Monday 2026-03-02.
    const sunday = Date.parse('2026-03-08T23:59:59.999Z');
    expect(new Date(bucketStart(sunday, 'day')).toISOString()).toBe('2026-03-08T00:00:00.000Z');
    expect(new Date(bucketStart(sunday, 'week')).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    const monday = Date.parse('2026-03-09T00:00:00.000Z');
    expect(new Date(bucketStart(monday, 'week')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
    expect(new Date(bucketStart(sunday, 'month')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    const december = Date.parse('2025-12-01T00:00:00.000Z');
    expect(new Date(nextBucketStart(december, 'month')).toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });
});

describe('computeSeries', () => {
  it('counts violations by accused party per day, listing empty days between', () => {
    const series = computeSeries(
      {
        ...none,
        violations: [
          { occurredAt: '2026-03-01T01:00:00.000Z', accusedParty: 'RU' },
          { occurredAt: '2026-03-01T23:00:00.000Z', accusedParty: 'RU' },
          { occurredAt: '2026-03-03T12:00:00.000Z', accusedParty: 'UA' },
        ],
      },
      { measure: 'violations', interval: 'day', by: 'accused' },
    );
    expect(series).toEqual({
      measure: 'violations',
      interval: 'day',
      by: 'accused',
      buckets: [
        { start: '2026-03-01T00:00:00.000Z', values: { RU: 2 } },
        { start: '2026-03-02T00:00:00.000Z', values: {} },
        { start: '2026-03-03T00:00:00.000Z', values: { UA: 1 } },
      ],
    });
  });

  it('nets personnel: arrivals and buildups add, withdrawals subtract; by party is the supported side', () => {
    const facts: SeriesFacts = {
      ...none,
      personnel: [
        {
          occurredAt: '2026-03-02T00:00:00.000Z',
          actor: 'BY',
          supporting: 'RU',
          movement: 'arrival',
          best: 500,
        },
        { occurredAt: '2026-03-04T00:00:00.000Z', actor: 'RU', movement: 'buildup', best: 1000 },
        { occurredAt: '2026-03-05T00:00:00.000Z', actor: 'RU', movement: 'withdrawal', best: 300 },
      ],
    };
    expect(
      computeSeries(facts, { measure: 'personnel', interval: 'week', by: 'actor' }).buckets,
    ).toEqual([{ start: '2026-03-02T00:00:00.000Z', values: { BY: 500, RU: 700 } }]);
    expect(
      computeSeries(facts, { measure: 'personnel', interval: 'week', by: 'party' }).buckets,
    ).toEqual([{ start: '2026-03-02T00:00:00.000Z', values: { RU: 1200 } }]);
  });

  it('sums increments, and charts cumulative totals by the change of the headline, never adding sources', () => {
    const facts: SeriesFacts = {
      ...none,
      casualties: [
        // Increments of a group without totals: summed.
        casualty({ reportId: 'i-1', party: 'RU', occurredAt: '2026-01-10T00:00:00.000Z', best: 3 }),
        casualty({ reportId: 'i-2', party: 'RU', occurredAt: '2026-02-10T00:00:00.000Z', best: 4 }),
        // A group with totals from two sources: the more reliable (A) is the headline once it
        // reports; the less reliable (C) sets it before that.
        casualty({
          reportId: 't-1',
          cumulative: true,
          source: 'blog',
          reliability: 'C',
          occurredAt: '2026-01-05T00:00:00.000Z',
          best: 100,
        }),
        casualty({
          reportId: 't-2',
          cumulative: true,
          source: 'ministry',
          reliability: 'A',
          occurredAt: '2026-02-05T00:00:00.000Z',
          best: 150,
        }),
        casualty({
          reportId: 't-3',
          cumulative: true,
          source: 'blog',
          reliability: 'C',
          occurredAt: '2026-02-20T00:00:00.000Z',
          best: 900,
        }),
        casualty({
          reportId: 't-4',
          cumulative: true,
          source: 'ministry',
          reliability: 'A',
          occurredAt: '2026-03-05T00:00:00.000Z',
          best: 170,
        }),
        // An increment of that group: the totals already count it, so it is left out.
        casualty({ reportId: 'i-3', occurredAt: '2026-03-06T00:00:00.000Z', best: 5 }),
      ],
    };
    const series = computeSeries(facts, { measure: 'casualties', interval: 'month', by: 'party' });
    expect(series.buckets).toEqual([
      { start: '2026-01-01T00:00:00.000Z', values: { RU: 3, UA: 100 } },
      { start: '2026-02-01T00:00:00.000Z', values: { RU: 4, UA: 50 } },
      { start: '2026-03-01T00:00:00.000Z', values: { UA: 20 } },
    ]);
    const byCategory = computeSeries(facts, {
      measure: 'casualties',
      interval: 'month',
      by: 'category',
    });
    const total = byCategory.buckets.reduce((sum, bucket) => sum + (bucket.values.killed ?? 0), 0);
    expect(total).toBe(3 + 4 + 170);
  });

  it('keeps to [from, to), with buckets covering the window even where nothing happened', () => {
    const series = computeSeries(
      {
        ...none,
        violations: [
          { occurredAt: '2026-03-01T12:00:00.000Z', accusedParty: 'RU' },
          { occurredAt: '2026-03-02T12:00:00.000Z', accusedParty: 'RU' },
          { occurredAt: '2026-03-04T00:00:00.000Z', accusedParty: 'RU' },
        ],
      },
      {
        measure: 'violations',
        interval: 'day',
        by: 'accused',
        from: new Date('2026-03-02T00:00:00.000Z'),
        to: new Date('2026-03-04T00:00:00.000Z'),
      },
    );
    expect(series.buckets).toEqual([
      { start: '2026-03-02T00:00:00.000Z', values: { RU: 1 } },
      { start: '2026-03-03T00:00:00.000Z', values: {} },
    ]);
  });

  it('answers no buckets for no facts, and refuses more buckets than a chart can hold', () => {
    expect(
      computeSeries(none, { measure: 'violations', interval: 'day', by: 'accused' }).buckets,
    ).toEqual([]);
    expect(() =>
      computeSeries(none, {
        measure: 'violations',
        interval: 'day',
        by: 'accused',
        from: new Date('1990-01-01T00:00:00.000Z'),
        to: new Date('2026-01-01T00:00:00.000Z'),
      }),
    ).toThrow(TooManyBucketsError);
  });
});
