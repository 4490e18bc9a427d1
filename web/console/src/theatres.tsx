import { getJson } from './api';
import { SEVERITY_RANK, num, utc } from './format';
import { useLoad } from './hooks';
import type { Alert, Severity, TheatreSummary } from './types';

/** Most urgent first: the worst unresolved alert, then how many, then the latest report. */
export function byUrgency(
  theatres: TheatreSummary[],
  alerts: Alert[],
): (TheatreSummary & { worst?: Severity })[] {
  const worst = new Map<string, Severity>();
  for (const alert of alerts) {
    if (alert.status === 'resolved') continue;
    const now = worst.get(alert.theatre);
    if (!now || SEVERITY_RANK[alert.severity] > SEVERITY_RANK[now])
      worst.set(alert.theatre, alert.severity);
  }
  return theatres
    .map((theatre) => ({ ...theatre, worst: worst.get(theatre.theatre) }))
    .sort(
      (a, b) =>
        (b.worst ? SEVERITY_RANK[b.worst] : 0) - (a.worst ? SEVERITY_RANK[a.worst] : 0) ||
        b.openAlerts - a.openAlerts ||
        (b.lastOccurredAt ?? '').localeCompare(a.lastOccurredAt ?? '') ||
        a.theatre.localeCompare(b.theatre),
    );
}

export function TheatresView({ alerts, refresh }: { alerts: Alert[]; refresh: number }) {
  const theatres = useLoad(() => getJson<{ items: TheatreSummary[] }>('/v1/theatres'), [refresh]);
  if (theatres.error)
    return (
      <p class="error" role="alert">
        Theatres could not be loaded: {theatres.error.message}
      </p>
    );
  if (!theatres.data) return <p aria-busy="true">Loading theatres…</p>;
  const rows = byUrgency(theatres.data.items, alerts);
  return (
    <section aria-labelledby="theatres-heading">
      <h2 id="theatres-heading">Theatres</h2>
      {rows.length === 0 ? (
        <p>No reports yet. File one with POST /v1/reports (see /docs).</p>
      ) : (
        <div class="table-wrap">
          <table class="theatres">
            <caption>
              Most urgent first: the worst unresolved alert, then the number of them.
            </caption>
            <thead>
              <tr>
                <th scope="col">Theatre</th>
                <th scope="col">Unresolved alerts</th>
                <th scope="col">Worst</th>
                <th scope="col">Reports</th>
                <th scope="col">Latest event</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.theatre} data-theatre={row.theatre}>
                  <th scope="row">
                    <a href={`#/theatres/${row.theatre}`}>{row.theatre}</a>
                  </th>
                  <td data-figure="open-alerts">{num(row.openAlerts)}</td>
                  <td>
                    {row.worst ? (
                      <span class={`severity severity-${row.worst}`}>{row.worst}</span>
                    ) : (
                      '-'
                    )}
                  </td>
                  <td data-figure="reports">{num(row.reports.total)}</td>
                  <td>{utc(row.lastOccurredAt, false)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
