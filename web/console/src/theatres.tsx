import { getJson } from './api';
import { num, utc } from './format';
import { byUrgency } from './logic';
import { useLoad } from './hooks';
import type { Alert, TheatreSummary } from './types';

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
