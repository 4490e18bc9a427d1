import type { AlertView, Estimate, TheatreOverviewView } from './monitor-views';
import { formatTable, wrap } from './text-table';

const WIDTH = 100;
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

/** `2026-10-14T06:00:00.000Z` as `2026-10-14 06:00` (UTC): event times to the minute. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '–';
}

/** `best` with the range when the sources disagree: `1,500 (1,200-2,000)`. */
export function estimateText(estimate: Estimate | null | undefined): string {
  if (!estimate) return '–';
  const number = (value: number) => value.toLocaleString('en-US');
  const { low = estimate.best, best, high = estimate.best } = estimate;
  return low === best && high === best
    ? number(best)
    : `${number(best)} (${number(low)}-${number(high)})`;
}

function heading(title: string): string {
  return `\n${title}\n`;
}

/** The theatre overview as a few aligned tables. */
export function formatOverview(overview: TheatreOverviewView): string {
  const out: string[] = [];
  const reports = overview.reports;
  out.push(
    `Overview of ${overview.theatre} at ${shortTime(overview.at)} UTC` +
      (reports
        ? `: ${reports.total} reports (${reports.deployments} deployments, ${reports.casualties} casualty reports, ` +
          `${reports.ceasefireViolations} ceasefire violations, ${reports.sanctionDemands} sanction demands) ` +
          `that occurred from ${shortTime(overview.firstOccurredAt)} to ${shortTime(overview.lastOccurredAt)}`
        : ''),
  );

  const byActor = overview.personnel?.byActor ?? [];
  const bySide = overview.personnel?.bySupportingParty ?? [];
  const parties = [...new Set([...byActor, ...bySide].map((entry) => entry.party))].sort();
  out.push(heading('Personnel (arrivals and build-ups less withdrawals; best, with range)'));
  out.push(
    formatTable(parties, [
      { header: 'party', cell: (party) => party },
      {
        header: 'own forces deployed',
        cell: (party) => estimateText(byActor.find((entry) => entry.party === party)),
        align: 'right',
      },
      {
        header: 'forces fighting for it',
        cell: (party) => estimateText(bySide.find((entry) => entry.party === party)),
        align: 'right',
      },
    ]),
  );

  if (overview.equipment?.length) {
    out.push(heading('Equipment'));
    out.push(
      formatTable(overview.equipment, [
        { header: 'actor', cell: (row) => row.actor },
        { header: 'category', cell: (row) => row.category },
        { header: 'quantity', cell: (row) => estimateText(row), align: 'right' },
        { header: 'reports', cell: (row) => row.reports },
      ]),
    );
  }

  out.push(heading('Casualties (increments summed; running totals per source, never added)'));
  out.push(
    formatTable(overview.casualties ?? [], [
      { header: 'party', cell: (row) => row.party },
      { header: 'category', cell: (row) => row.category + (row.civilian ? ' (civilians)' : '') },
      { header: 'increments', cell: (row) => estimateText(row.increments), align: 'right' },
      { header: 'reports', cell: (row) => row.increments?.reports },
      {
        header: 'running total',
        cell: (row) => estimateText(row.cumulative?.headline),
        align: 'right',
      },
      {
        header: 'by sources (reliability)',
        cell: (row) =>
          row.cumulative?.sources
            .map(
              (source) =>
                `${source.source} ${source.reliability}${source.credibility}: ${source.best.toLocaleString('en-US')}`,
            )
            .join('; '),
      },
    ]),
  );

  const violations = overview.ceasefireViolations;
  if (violations) {
    const accused = [
      ...new Set(
        [...violations.last24h.byAccusedParty, ...violations.last7d.byAccusedParty].map(
          (entry) => entry.party,
        ),
      ),
    ].sort();
    const countIn = (list: { party: string; count: number }[], party: string) =>
      list.find((entry) => entry.party === party)?.count ?? 0;
    out.push(heading('Ceasefire violations by accused party'));
    out.push(
      formatTable(
        [...accused, 'total'],
        [
          { header: 'accused party', cell: (party) => party },
          {
            header: 'last 24 h',
            cell: (party) =>
              party === 'total'
                ? violations.last24h.total
                : countIn(violations.last24h.byAccusedParty, party),
          },
          {
            header: 'last 7 d',
            cell: (party) =>
              party === 'total'
                ? violations.last7d.total
                : countIn(violations.last7d.byAccusedParty, party),
          },
        ],
      ),
    );
  }

  out.push(heading('Active sanction demands'));
  out.push(
    formatTable(overview.sanctionDemands ?? [], [
      { header: 'demanding party', cell: (row) => row.demandingParty },
      { header: 'active', cell: (row) => row.active },
      {
        header: 'latest demand',
        cell: (row) => {
          const latest = row.recent[0];
          if (!latest) return undefined;
          const targets = latest.sanctions
            .map((sanction) => `${sanction.target} (${sanction.measure})`)
            .join(', ');
          const condition = latest.condition
            ? `, as a precondition for ${latest.condition.ceasefire}`
            : '';
          return `${latest.demand} ${targets}${condition}`;
        },
      },
    ]),
  );
  if (overview.openAlerts !== undefined) {
    const open = Array.isArray(overview.openAlerts)
      ? overview.openAlerts.length
      : overview.openAlerts;
    out.push(`\nOpen alerts: ${open}`);
  }
  return out.join('\n');
}

/** Alerts as a table (most severe first, then as raised), then each summary in full. */
export function formatAlerts(alerts: readonly AlertView[]): string {
  const sorted = [...alerts].sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      a.windowStart.localeCompare(b.windowStart) ||
      a.alertId.localeCompare(b.alertId),
  );
  const out = [`Alerts (${alerts.length})`, ''];
  out.push(
    formatTable(sorted, [
      { header: '#', cell: (alert) => sorted.indexOf(alert) + 1 },
      { header: 'severity', cell: (alert) => alert.severity },
      { header: 'status', cell: (alert) => alert.status },
      { header: 'rule', cell: (alert) => alert.rule },
      {
        header: 'evidence window (event time)',
        cell: (alert) =>
          alert.windowStart === alert.windowEnd
            ? shortTime(alert.windowStart)
            : `${shortTime(alert.windowStart)} to ${shortTime(alert.windowEnd)}`,
      },
      { header: 'reports', cell: (alert) => alert.evidence.length },
    ]),
  );
  sorted.forEach((alert, index) => {
    out.push('');
    const number = `  ${index + 1}. `;
    out.push(wrap(alert.summary, WIDTH, number));
    if (alert.resolution?.note) {
      out.push(wrap(`Resolved: ${alert.resolution.note}`, WIDTH, ' '.repeat(number.length)));
    }
  });
  return out.join('\n');
}

function rank(severity: string): number {
  const index = SEVERITY_ORDER.indexOf(severity);
  return index < 0 ? SEVERITY_ORDER.length : index;
}
