import { alertOrder, byUrgency, sliderStep } from '../../web/console/src/logic';
import type { Alert, TheatreSummary } from '../../web/console/src/types';

const theatre = (name: string, openAlerts: number, lastOccurredAt = '2025-01-01T00:00:00Z') =>
  ({
    theatre: name,
    openAlerts,
    lastOccurredAt,
    firstOccurredAt: null,
    reports: {
      total: 1,
      deployments: 1,
      casualties: 0,
      ceasefireViolations: 0,
      sanctionDemands: 0,
    },
  }) as TheatreSummary;
const alert = (overrides: Partial<Alert>) =>
  ({
    alertId: 'a',
    rule: 'r',
    theatre: 't',
    severity: 'low',
    status: 'open',
    summary: '',
    windowStart: '',
    windowEnd: '',
    raisedAt: '2025-01-01T00:00:00Z',
    evidence: [],
    ...overrides,
  }) as Alert;

describe("the console's ordering and slider", () => {
  it('lists theatres by their worst unresolved alert, then by how many', () => {
    const order = byUrgency(
      [
        theatre('quiet', 0),
        theatre('many-low', 5),
        theatre('one-critical', 1),
        theatre('resolved-critical', 0),
      ],
      [
        alert({ theatre: 'many-low', severity: 'low' }),
        alert({ theatre: 'one-critical', severity: 'critical' }),
        alert({ theatre: 'resolved-critical', severity: 'critical', status: 'resolved' }),
      ],
    ).map((row) => row.theatre);
    // The last two have no unresolved alert: the same latest event, so by name.
    expect(order).toEqual(['one-critical', 'many-low', 'quiet', 'resolved-critical']);
  });

  it('puts open alerts before acknowledged ones, the worst and newest first', () => {
    const alerts = [
      alert({ alertId: 'ack-critical', status: 'acknowledged', severity: 'critical' }),
      alert({ alertId: 'open-low', severity: 'low' }),
      alert({ alertId: 'open-high-old', severity: 'high', raisedAt: '2024-01-01T00:00:00Z' }),
      alert({ alertId: 'open-high-new', severity: 'high' }),
    ];
    expect(alerts.sort(alertOrder).map((a) => a.alertId)).toEqual([
      'open-high-new',
      'open-high-old',
      'open-low',
      'ack-critical',
    ]);
  });

  it('steps the as-of slider in seconds, minutes, hours or days, at most 1,000 positions', () => {
    expect(sliderStep(30_000)).toBe(1000);
    expect(sliderStep(3_600_000)).toBe(60_000);
    expect(sliderStep(10 * 86_400_000)).toBe(3_600_000);
    expect(sliderStep(365 * 86_400_000)).toBe(86_400_000);
    expect(sliderStep(3000 * 86_400_000)).toBe(3 * 86_400_000);
  });
});
