import type { CasualtyDetails, ReportSource } from '@cm/contracts';
import { aCasualtyReport } from '@cm/contracts/testing';
import { casualtyHeadline, latestCumulativeTotals } from './casualty-totals';
import { foldTheatreOverview } from './fold-theatre-overview';
import { EventSequence } from './projection-events.testing';

const AT = new Date('2025-02-01T00:00:00.000Z');
const THEATRE = 'russia-ukraine';
const UA_GOV: ReportSource = {
  name: 'UA government',
  kind: 'government',
  reliability: 'C',
  credibility: 3,
};
const ISW: ReportSource = { name: 'ISW', kind: 'osint', reliability: 'B', credibility: 2 };
const MEDIA: ReportSource = { name: 'Media', kind: 'media', reliability: 'B', credibility: 4 };

function casualty(
  id: string,
  occurredAt: string,
  source: ReportSource,
  details: Partial<CasualtyDetails>,
) {
  return aCasualtyReport({
    reportId: id,
    occurredAt,
    source,
    details: { party: 'KP', category: 'killed_or_wounded', civilian: false, ...details },
  });
}

const total = (id: string, occurredAt: string, source: ReportSource, best: number, more = {}) =>
  casualty(id, occurredAt, source, { cumulative: true, count: { best, ...more } });

function casualtiesOf(events: EventSequence) {
  return foldTheatreOverview(THEATRE, events.events, AT)!.casualties;
}

describe('casualty projection', () => {
  it('sums increments by party, category and civilian flag', () => {
    const events = new EventSequence()
      .reported(
        casualty('a', '2025-01-01T00:00:00.000Z', ISW, {
          cumulative: false,
          count: { low: 5, best: 10 },
        }),
      )
      .reported(
        casualty('b', '2025-01-02T00:00:00.000Z', ISW, {
          cumulative: false,
          count: { best: 7, high: 9 },
        }),
      )
      .reported(
        casualty('c', '2025-01-02T00:00:00.000Z', ISW, {
          cumulative: false,
          civilian: true,
          count: { best: 2 },
        }),
      );

    expect(casualtiesOf(events)).toEqual([
      {
        party: 'KP',
        category: 'killed_or_wounded',
        civilian: false,
        increments: { reports: 2, low: 12, best: 17, high: 19 },
        cumulative: null,
      },
      {
        party: 'KP',
        category: 'killed_or_wounded',
        civilian: true,
        increments: { reports: 1, low: 2, best: 2, high: 2 },
        cumulative: null,
      },
    ]);
  });

  it("never adds cumulative totals: a source's latest by occurredAt supersedes its earlier one", () => {
    const events = new EventSequence()
      .reported(total('t1', '2025-01-01T00:00:00.000Z', UA_GOV, 1000))
      .reported(total('t2', '2025-01-10T00:00:00.000Z', UA_GOV, 3000))
      // Late: recorded last, but older in event time, so it does not supersede t2.
      .reported(total('t0', '2024-12-20T00:00:00.000Z', UA_GOV, 800));

    const [group] = casualtiesOf(events);

    expect(group.increments).toBeNull();
    expect(group.cumulative!.sources).toEqual([
      {
        source: 'UA government',
        reportId: 't2',
        occurredAt: '2025-01-10T00:00:00.000Z',
        reliability: 'C',
        credibility: 3,
        low: 3000,
        best: 3000,
        high: 3000,
      },
    ]);
    expect(group.cumulative!.headline).toEqual({
      low: 3000,
      best: 3000,
      high: 3000,
      source: 'UA government',
      reportId: 't2',
    });
  });

  it('heads disagreeing sources with the most reliable one, low and high over all sources', () => {
    const events = new EventSequence()
      .reported(total('ua', '2025-01-20T00:00:00.000Z', UA_GOV, 3000, { low: 2500, high: 3500 }))
      .reported(total('isw', '2025-01-05T00:00:00.000Z', ISW, 1200, { low: 1000 }))
      .reported(total('media', '2025-01-25T00:00:00.000Z', MEDIA, 2000, { high: 4000 }));

    const [group] = casualtiesOf(events);

    expect(group.cumulative!.sources.map((source) => [source.source, source.best])).toEqual([
      ['ISW', 1200],
      ['Media', 2000],
      ['UA government', 3000],
    ]);
    // ISW (B2) beats Media (B4) and the government (C3); low/high span every source.
    expect(group.cumulative!.headline).toEqual({
      low: 1000,
      best: 1200,
      high: 4000,
      source: 'ISW',
      reportId: 'isw',
    });
  });

  it('breaks a tie in reliability by the most recent total', () => {
    const other: ReportSource = { ...ISW, name: 'Other B2' };
    const totals = latestCumulativeTotals(
      new EventSequence()
        .reported(total('x', '2025-01-05T00:00:00.000Z', ISW, 100))
        .reported(total('y', '2025-01-06T00:00:00.000Z', other, 200))
        .events.map((event, index) => ({
          report: event.data as never,
          version: 1,
          position: index + 1,
        })),
    );

    expect(casualtyHeadline(totals)).toMatchObject({ best: 200, source: 'Other B2' });
  });

  it("brings back a source's earlier total when its latest is retracted, and follows a correction", () => {
    const t1 = total('t1', '2025-01-01T00:00:00.000Z', UA_GOV, 1000);
    const t2 = total('t2', '2025-01-10T00:00:00.000Z', UA_GOV, 3000);
    const retracted = new EventSequence().reported(t1).reported(t2).retracted(t2);
    expect(casualtiesOf(retracted)[0].cumulative!.headline).toMatchObject({
      best: 1000,
      reportId: 't1',
    });

    // Corrected to an earlier occurredAt, t2 no longer is the latest.
    const moved = new EventSequence()
      .reported(t1)
      .reported(t2)
      .corrected(t2, { occurredAt: '2024-12-01T00:00:00.000Z' });
    expect(casualtiesOf(moved)[0].cumulative!.headline).toMatchObject({
      best: 1000,
      reportId: 't1',
    });

    // Corrected from cumulative to an increment: it leaves the totals and joins the sums.
    const changed = new EventSequence()
      .reported(t2)
      .corrected(t2, { details: { cumulative: false, count: { best: 40 } } });
    expect(casualtiesOf(changed)).toEqual([
      expect.objectContaining({
        increments: { reports: 1, low: 40, best: 40, high: 40 },
        cumulative: null,
      }),
    ]);
  });
});
