import { lagGauges, settledJson } from '../../scripts/demo/caught-up';
import { estimateText, formatAlerts, formatOverview } from '../../scripts/demo/demo-report';
import type { AlertView, TheatreOverviewView } from '../../scripts/demo/monitor-views';
import { formatTable, wrap } from '../../scripts/demo/text-table';

describe('formatTable', () => {
  it('aligns text left and numbers right under a rule as wide as each column', () => {
    const table = formatTable(
      [
        { party: 'kestria', killed: 2400 },
        { party: 'orsova', killed: 7 },
      ],
      [
        { header: 'party', cell: (row) => row.party },
        { header: 'killed', cell: (row) => row.killed },
      ],
    );
    expect(table.split('\n')).toEqual([
      '  party    killed',
      '  ───────  ──────',
      '  kestria   2,400',
      '  orsova        7',
    ]);
  });

  it('prints a dash for a missing cell, one line per cell, and (none) for no rows', () => {
    const table = formatTable(
      [{ name: 'a\nb', note: undefined as string | undefined }],
      [
        { header: 'name', cell: (row) => row.name },
        { header: 'note', cell: (row) => row.note },
      ],
    );
    expect(table.split('\n')).toEqual(['  name  note', '  ────  ────', '  a b      –']);
    expect(formatTable([], [{ header: 'x', cell: () => 1 }])).toBe('  (none)');
  });
});

describe('wrap', () => {
  it('breaks between words within the width and indents the lines after the first', () => {
    expect(wrap('one two three four five', 15, '  1. ')).toBe(
      '  1. one two\n     three four\n     five',
    );
    expect(wrap('x'.repeat(20), 10, '- ')).toBe(`- ${'x'.repeat(20)}`);
  });
});

describe('estimateText', () => {
  it('shows best, with the range only when it differs', () => {
    expect(estimateText({ best: 1500 })).toBe('1,500');
    expect(estimateText({ low: 1200, best: 1500, high: 2000 })).toBe('1,500 (1,200-2,000)');
    expect(estimateText(null)).toBe('–');
  });
});

const overview: TheatreOverviewView = {
  theatre: 'tarn-valley',
  at: '2026-11-25T10:30:12.000Z',
  reports: { deployments: 2, casualties: 2, ceasefireViolations: 3, sanctionDemands: 1, total: 8 },
  firstOccurredAt: '2026-10-14T10:00:00.000Z',
  lastOccurredAt: '2026-11-24T04:00:00.000Z',
  personnel: {
    byActor: [
      { party: 'orsova', reports: 1, low: 1200, best: 1500, high: 2000 },
      { party: 'valdmark', reports: 1, low: 4500, best: 4500, high: 4500 },
    ],
    bySupportingParty: [{ party: 'valdmark', reports: 2, low: 5700, best: 6000, high: 6500 }],
  },
  casualties: [
    {
      party: 'valdmark',
      category: 'killed',
      civilian: false,
      increments: { reports: 4, low: 85, best: 85, high: 85 },
      cumulative: {
        sources: [
          {
            source: 'Kestrian MoD',
            reliability: 'C',
            credibility: 3,
            low: 1520,
            best: 1520,
            high: 1520,
          },
          { source: 'Mission', reliability: 'B', credibility: 2, low: 600, best: 640, high: 700 },
        ],
        headline: { source: 'Mission', low: 600, best: 640, high: 1520 },
      },
    },
  ],
  ceasefireViolations: {
    last24h: { total: 1, byAccusedParty: [{ party: 'valdmark', count: 1 }] },
    last7d: {
      total: 2,
      byAccusedParty: [
        { party: 'kestria', count: 1 },
        { party: 'valdmark', count: 1 },
      ],
    },
  },
  sanctionDemands: [
    {
      demandingParty: 'valdmark',
      active: 1,
      recent: [
        {
          reportId: 'r1',
          occurredAt: '2026-11-05T15:00:00.000Z',
          demand: 'lift',
          sanctions: [
            { imposedBy: 'northern-compact', target: 'Port of Selm', measure: 'embargo' },
          ],
          condition: { kind: 'precondition_for_ceasefire', ceasefire: 'tarn-valley-truce' },
        },
      ],
    },
  ],
};

describe('formatOverview', () => {
  const text = formatOverview(overview);

  it('heads with the theatre, the reference instant and the report counts', () => {
    expect(text.split('\n')[0]).toBe(
      'Overview of tarn-valley at 2026-11-25 10:30 UTC: 8 reports (2 deployments, 2 casualty ' +
        'reports, 3 ceasefire violations, 1 sanction demands) that occurred from 2026-10-14 10:00 ' +
        'to 2026-11-24 04:00',
    );
  });

  it('puts a party’s own forces beside the forces fighting for it', () => {
    expect(text).toMatch(/ {2}orsova {4}1,500 \(1,200-2,000\) +–/);
    expect(text).toMatch(/ {2}valdmark +4,500 +6,000 \(5,700-6,500\)/);
  });

  it('shows increments and the running total of the most reliable source side by side', () => {
    expect(text).toMatch(
      /valdmark +killed +85 +4 +640 \(600-1,520\) +Kestrian MoD C3: 1,520; Mission B2: 640/,
    );
  });

  it('counts violations by accused party over 24 h and 7 d, with totals', () => {
    expect(text).toMatch(/kestria +0 +1\n {2}valdmark +1 +1\n {2}total +1 +2/);
  });

  it('names the latest sanction demand with its ceasefire precondition', () => {
    expect(text).toMatch(
      /valdmark +1 +lift Port of Selm \(embargo\), as a precondition for tarn-valley-truce/,
    );
  });
});

describe('formatAlerts', () => {
  const alert = (fields: Partial<AlertView>): AlertView => ({
    alertId: fields.rule ?? 'a',
    rule: 'rule',
    theatre: 'tarn-valley',
    severity: 'high',
    status: 'open',
    summary: 'summary',
    windowStart: '2026-11-01T00:00:00.000Z',
    windowEnd: '2026-11-01T00:00:00.000Z',
    raisedAt: '2026-11-25T10:00:00.000Z',
    evidence: [{ reportId: 'r1', type: 'casualty', occurredAt: '2026-11-01T00:00:00.000Z' }],
    ...fields,
  });

  it('lists the most severe first, then each summary, and the note of a resolved alert', () => {
    const text = formatAlerts([
      alert({
        rule: 'sanctions-precondition',
        severity: 'medium',
        summary: 'demands and violations',
      }),
      alert({
        rule: 'ceasefire-breakdown',
        severity: 'critical',
        status: 'resolved',
        windowEnd: '2026-11-03T09:00:00.000Z',
        summary: '3 violations',
        resolution: { at: '2026-11-25T10:00:01.000Z', by: 'engine', note: 'r2 retracted: fake' },
      }),
    ]);
    expect(text.split('\n')).toEqual([
      'Alerts (2)',
      '',
      '  #  severity  status    rule                    evidence window (event time)          reports',
      '  ─  ────────  ────────  ──────────────────────  ────────────────────────────────────  ───────',
      '  1  critical  resolved  ceasefire-breakdown     2026-11-01 00:00 to 2026-11-03 09:00        1',
      '  2  medium    open      sanctions-precondition  2026-11-01 00:00                            1',
      '',
      '  1. 3 violations',
      '     Resolved: r2 retracted: fake',
      '',
      '  2. demands and violations',
    ]);
  });
});

describe('catching up', () => {
  it('reads every subscriber lag gauge from the Prometheus text', () => {
    const metrics = [
      '# HELP cm_alerter_lag_events Positions between the newest stored event and the alerter',
      'cm_alerter_lag_events 28',
      'cm_projector_lag_positions 0',
      'cm_relay_lag_events{topic="conflict.reports.v1"} 3',
      'cm_alerter_events_total 10',
    ].join('\n');
    expect([...lagGauges(metrics)]).toEqual([
      ['cm_alerter_lag_events', 28],
      ['cm_projector_lag_positions', 0],
      ['cm_relay_lag_events{topic="conflict.reports.v1"}', 3],
    ]);
  });

  it('compares answers without the instant they were asked at', () => {
    const later = { ...overview, at: '2026-11-25T10:31:00.000Z' };
    expect(settledJson(later)).toBe(settledJson(overview));
    expect(settledJson({ ...later, reports: { ...overview.reports!, total: 9 } })).not.toBe(
      settledJson(overview),
    );
  });
});
