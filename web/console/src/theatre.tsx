import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, download, getJson, query } from './api';
import { SeriesChart } from './chart';
import { estimate, label, num, utc } from './format';
import { useLoad } from './hooks';
import { sliderStep } from './logic';
import { ReportMap } from './map';
import type { Overview, Page, Report, Series } from './types';

const LIST_PATHS = {
  deployment: 'deployments',
  casualty: 'casualties',
  ceasefire_violation: 'ceasefire-violations',
  sanction_demand: 'sanction-demands',
} as const;
type ReportType = keyof typeof LIST_PATHS;
/** The map reads at most this many reports of each type. */
const MAP_LIMIT_PER_TYPE = 1000;

export function TheatreView({ theatre, refresh }: { theatre: string; refresh: number }) {
  return (
    <>
      <p>
        <a href="#/">← Theatres</a>
      </p>
      <h2 id="theatre-heading">{theatre}</h2>
      <OverviewSection theatre={theatre} refresh={refresh} />
      <SeriesSection theatre={theatre} refresh={refresh} />
      <MapSection theatre={theatre} refresh={refresh} />
      <ReportsSection theatre={theatre} />
    </>
  );
}

/** The slider's span: from the first recorded event to the moment the page asked. */
function useRecordedSpan(refresh: number): { from: number; to: number } | undefined {
  const first = useLoad(
    () =>
      getJson<{ items: { recordedAt: string }[] }>('/v1/events?limit=1')
        .catch(() => ({ items: [] }))
        .then((page) => ({ page, to: Math.floor(Date.now() / 1000) * 1000 })),
    [refresh],
  );
  // Fixed once per load: the right end must not creep on every render, or "live" would
  // turn into an asOf a moment ago.
  return useMemo(() => {
    if (!first.data) return undefined;
    const { page, to } = first.data;
    const recorded = page.items[0]?.recordedAt;
    const from = recorded ? Math.floor(Date.parse(recorded) / 1000) * 1000 : to - 30 * 86_400_000;
    return { from: Math.min(from, to - 1000), to };
  }, [first.data]);
}

function OverviewSection({ theatre, refresh }: { theatre: string; refresh: number }) {
  const span = useRecordedSpan(refresh);
  // undefined: live (the slider at its right end).
  const [asOf, setAsOf] = useState<number | undefined>(undefined);
  const [sliderValue, setSliderValue] = useState<number | undefined>(undefined);
  useEffect(() => {
    setAsOf(undefined);
    setSliderValue(undefined);
  }, [theatre]);
  const overview = useLoad<Overview | null>(
    () =>
      getJson<Overview>(
        `/v1/theatres/${theatre}/overview${query({ asOf: asOf === undefined ? undefined : new Date(asOf).toISOString() })}`,
      ).catch((error: unknown) => {
        // Nothing of this theatre recorded by then: an empty answer, not an error.
        if (error instanceof ApiError && error.status === 404 && asOf !== undefined) return null;
        throw error;
      }),
    [theatre, asOf, refresh],
  );

  // The request follows the slider once it rests (keys and drags send many input events).
  useEffect(() => {
    if (sliderValue === undefined || !span) return;
    const timer = setTimeout(() => setAsOf(sliderValue >= span.to ? undefined : sliderValue), 250);
    return () => clearTimeout(timer);
  }, [sliderValue]);

  const step = span ? sliderStep(span.to - span.from) : 1000;
  const value = sliderValue ?? span?.to;
  return (
    <section
      aria-labelledby="overview-heading"
      class="overview"
      data-as-of={asOf === undefined ? 'live' : new Date(asOf).toISOString()}
      aria-busy={overview.loading ? 'true' : 'false'}
    >
      <h3 id="overview-heading">Overview</h3>
      {span ? (
        <div class="asof">
          <label for="asof-slider">What did we know at</label>
          <input
            id="asof-slider"
            type="range"
            min={span.from}
            max={span.to}
            step={step}
            value={value}
            aria-valuetext={
              value === undefined || value >= span.to
                ? 'now (live)'
                : utc(new Date(value).toISOString())
            }
            onInput={(event) => setSliderValue(Number((event.target as HTMLInputElement).value))}
          />
          <output for="asof-slider" class="asof-label">
            {value === undefined || value >= span.to
              ? 'now (live)'
              : utc(new Date(value).toISOString())}
          </output>
          {asOf !== undefined ? (
            <button type="button" onClick={() => setSliderValue(span.to)}>
              Back to live
            </button>
          ) : null}
        </div>
      ) : null}
      {overview.error ? (
        <p class="error" role="alert">
          Overview: {overview.error.message}
        </p>
      ) : overview.data === null ? (
        <p class="empty" data-figure="nothing-recorded">
          Nothing of this theatre had been recorded by then.
        </p>
      ) : overview.data ? (
        <OverviewBody overview={overview.data} />
      ) : (
        <p aria-busy="true">Loading overview…</p>
      )}
    </section>
  );
}

function OverviewBody({ overview }: { overview: Overview }) {
  return (
    <>
      <dl class="figures">
        <div>
          <dt>Reports</dt>
          <dd data-figure="reports-total">{num(overview.reports.total)}</dd>
        </div>
        <div>
          <dt>Deployments</dt>
          <dd data-figure="deployments">{num(overview.reports.deployments)}</dd>
        </div>
        <div>
          <dt>Casualty reports</dt>
          <dd data-figure="casualties">{num(overview.reports.casualties)}</dd>
        </div>
        <div>
          <dt>Violations, last 7 days</dt>
          <dd data-figure="violations-7d">{num(overview.ceasefireViolations.last7d.total)}</dd>
        </div>
        <div>
          <dt>Violations, last 24 h</dt>
          <dd data-figure="violations-24h">{num(overview.ceasefireViolations.last24h.total)}</dd>
        </div>
        <div>
          <dt>Open alerts</dt>
          <dd data-figure="open-alerts">{num(overview.openAlerts)}</dd>
        </div>
      </dl>
      <p class="note">
        Windows end at {utc(overview.at)}; events from {utc(overview.firstOccurredAt, false)} to{' '}
        {utc(overview.lastOccurredAt, false)}.
      </p>
      <div class="grid">
        <PartyTable
          caption="Personnel by actor"
          rows={overview.personnel.byActor}
          figure="personnel-actor"
        />
        <PartyTable
          caption="Personnel by whom they fight for"
          rows={overview.personnel.bySupportingParty}
          figure="personnel-supporting"
        />
        <div class="table-wrap">
          <table data-table="equipment">
            <caption>Equipment</caption>
            <thead>
              <tr>
                <th scope="col">Actor</th>
                <th scope="col">Category</th>
                <th scope="col">Quantity (range)</th>
                <th scope="col">Reports</th>
              </tr>
            </thead>
            <tbody>
              {overview.equipment.map((row) => (
                <tr key={`${row.actor}/${row.category}`}>
                  <td>{row.actor}</td>
                  <td>{label(row.category)}</td>
                  <td>{estimate(row)}</td>
                  <td>{num(row.reports)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="table-wrap">
          <table data-table="violations">
            <caption>Ceasefire violations by accused party</caption>
            <thead>
              <tr>
                <th scope="col">Accused</th>
                <th scope="col">Last 24 h</th>
                <th scope="col">Last 7 days</th>
              </tr>
            </thead>
            <tbody>
              {overview.ceasefireViolations.last7d.byAccusedParty.map((row) => (
                <tr key={row.party}>
                  <td>{row.party}</td>
                  <td>
                    {num(
                      overview.ceasefireViolations.last24h.byAccusedParty.find(
                        (entry) => entry.party === row.party,
                      )?.count ?? 0,
                    )}
                  </td>
                  <td>{num(row.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div class="table-wrap">
        <table data-table="casualties">
          <caption>Casualties: increments summed, and each source's running total</caption>
          <thead>
            <tr>
              <th scope="col">Party</th>
              <th scope="col">Category</th>
              <th scope="col">Reported increments (range)</th>
              <th scope="col">Running totals by source</th>
            </tr>
          </thead>
          <tbody>
            {overview.casualties.map((row) => (
              <tr key={`${row.party}/${row.category}/${row.civilian}`}>
                <td>{row.party}</td>
                <td>
                  {label(row.category)}
                  {row.civilian ? ' (civilian)' : ''}
                </td>
                <td>{estimate(row.increments)}</td>
                <td>
                  {row.cumulative ? (
                    <ul class="plain">
                      {row.cumulative.sources.map((source) => (
                        <li key={source.source}>
                          {source.source} ({source.reliability}
                          {source.credibility}): {estimate(source)} on{' '}
                          {utc(source.occurredAt, false)}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    '-'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="table-wrap">
        <table data-table="sanctions">
          <caption>Active sanction demands</caption>
          <thead>
            <tr>
              <th scope="col">Demanding party</th>
              <th scope="col">Active</th>
              <th scope="col">Most recent</th>
            </tr>
          </thead>
          <tbody>
            {overview.sanctionDemands.map((row) => (
              <tr key={row.demandingParty}>
                <td>{row.demandingParty}</td>
                <td>{num(row.active)}</td>
                <td>
                  <ul class="plain">
                    {row.recent.slice(0, 3).map((demand) => (
                      <li key={demand.reportId}>
                        <a href={`#/reports/${encodeURIComponent(demand.reportId)}`}>
                          {demand.demand}
                        </a>{' '}
                        {demand.sanctions
                          .map(
                            (sanction) =>
                              `${sanction.imposedBy}: ${sanction.measure} (${sanction.target})`,
                          )
                          .join('; ')}
                        {demand.condition
                          ? `, a precondition of ${demand.condition.ceasefire}`
                          : ''}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function PartyTable({
  caption,
  rows,
  figure,
}: {
  caption: string;
  rows: Overview['personnel']['byActor'];
  figure: string;
}) {
  return (
    <div class="table-wrap">
      <table data-table={figure}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Party</th>
            <th scope="col">Personnel (range)</th>
            <th scope="col">Reports</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.party} data-party={row.party}>
              <td>{row.party}</td>
              <td data-best={row.best}>{estimate(row)}</td>
              <td>{num(row.reports)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A series, or null where the server has no series call (an older monitor). */
async function seriesOrNull(theatre: string, measure: string, by: string): Promise<Series | null> {
  try {
    return await getJson<Series>(
      `/v1/theatres/${theatre}/series${query({ measure, interval: 'week', by })}`,
    );
  } catch (error) {
    if (
      error instanceof ApiError &&
      error.status === 404 &&
      error.problem.code !== 'THEATRE.NOT_FOUND'
    )
      return null;
    throw error;
  }
}

function SeriesSection({ theatre, refresh }: { theatre: string; refresh: number }) {
  const charts = useLoad(
    async () =>
      Promise.all([
        seriesOrNull(theatre, 'casualties', 'party'),
        seriesOrNull(theatre, 'violations', 'accused'),
      ]),
    [theatre, refresh],
  );
  return (
    <section aria-labelledby="series-heading" class="series">
      <h3 id="series-heading">By week</h3>
      {charts.error ? (
        <p class="error" role="alert">
          Series: {charts.error.message}
        </p>
      ) : !charts.data ? (
        <p aria-busy="true">Loading series…</p>
      ) : charts.data.some((series) => series === null) ? (
        <p class="note" data-note="series-unavailable">
          This server does not answer GET /v1/theatres/{'{t}'}/series yet: no charts.
        </p>
      ) : (
        <div class="grid">
          <SeriesChart series={charts.data[0]!} title="Casualties by party" />
          <SeriesChart series={charts.data[1]!} title="Ceasefire violations by accused party" />
        </div>
      )}
    </section>
  );
}

/** Every report of the theatre (up to a bound per type), for the map. */
async function reportsForMap(theatre: string): Promise<Report[]> {
  const pages = await Promise.all(
    Object.values(LIST_PATHS).map(async (path) => {
      const items: Report[] = [];
      let cursor: string | undefined;
      do {
        const page = await getJson<Page<Report>>(
          `/v1/theatres/${theatre}/${path}${query({ limit: 500, cursor })}`,
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && items.length < MAP_LIMIT_PER_TYPE);
      return items;
    }),
  );
  return pages.flat();
}

function MapSection({ theatre, refresh }: { theatre: string; refresh: number }) {
  const reports = useLoad(() => reportsForMap(theatre), [theatre, refresh]);
  return (
    <section aria-labelledby="map-heading" class="map-section">
      <h3 id="map-heading">Where</h3>
      {reports.error ? (
        <p class="error" role="alert">
          Map: {reports.error.message}
        </p>
      ) : reports.data ? (
        <ReportMap reports={reports.data} />
      ) : (
        <p aria-busy="true">Loading map…</p>
      )}
    </section>
  );
}

interface Filters {
  type: ReportType;
  from: string;
  to: string;
  party: string;
}

/** The list call for the filters: the same URL serves JSON, CSV and GeoJSON by Accept. */
export function listPath(theatre: string, filters: Filters, cursor?: string, limit = 50): string {
  const partyParam = filters.type === 'deployment' ? 'actor' : 'party';
  return `/v1/theatres/${theatre}/${LIST_PATHS[filters.type]}${query({
    from: filters.from ? new Date(`${filters.from}T00:00:00Z`).toISOString() : undefined,
    to: filters.to ? new Date(`${filters.to}T23:59:59.999Z`).toISOString() : undefined,
    [partyParam]: filters.party || undefined,
    limit: cursor === 'export' ? undefined : limit,
    cursor: cursor === 'export' ? undefined : cursor,
  })}`;
}

function ReportsSection({ theatre }: { theatre: string }) {
  const [filters, setFilters] = useState<Filters>({
    type: 'deployment',
    from: '',
    to: '',
    party: '',
  });
  const [applied, setApplied] = useState(filters);
  const [pages, setPages] = useState<string[]>([]);
  const [message, setMessage] = useState<string>('');
  const cursor = pages[pages.length - 1];
  const page = useLoad(
    () => getJson<Page<Report>>(listPath(theatre, applied, cursor)),
    [theatre, applied, cursor],
  );

  const exportAs = async (accept: string, extension: string) => {
    setMessage('');
    try {
      await download(
        listPath(theatre, applied, 'export'),
        accept,
        `${theatre}-${LIST_PATHS[applied.type]}.${extension}`,
      );
    } catch (error) {
      setMessage(`Export failed: ${(error as Error).message}`);
    }
  };

  return (
    <section aria-labelledby="reports-heading" class="reports">
      <h3 id="reports-heading">Reports</h3>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setPages([]);
          setApplied(filters);
        }}
      >
        <label>
          Type
          <select
            name="type"
            value={filters.type}
            onChange={(event) =>
              setFilters({
                ...filters,
                type: (event.target as HTMLSelectElement).value as ReportType,
              })
            }
          >
            {Object.keys(LIST_PATHS).map((type) => (
              <option value={type} key={type}>
                {label(type)}
              </option>
            ))}
          </select>
        </label>
        <label>
          From (event date)
          <input
            type="date"
            name="from"
            value={filters.from}
            onInput={(event) =>
              setFilters({ ...filters, from: (event.target as HTMLInputElement).value })
            }
          />
        </label>
        <label>
          To
          <input
            type="date"
            name="to"
            value={filters.to}
            onInput={(event) =>
              setFilters({ ...filters, to: (event.target as HTMLInputElement).value })
            }
          />
        </label>
        <label>
          {filters.type === 'deployment' ? 'Actor' : 'Party'}
          <input
            type="text"
            name="party"
            value={filters.party}
            placeholder="e.g. RU"
            onInput={(event) =>
              setFilters({ ...filters, party: (event.target as HTMLInputElement).value.trim() })
            }
          />
        </label>
        <button type="submit">Apply</button>
      </form>
      <p class="exports">
        Export this list whole:{' '}
        <button
          type="button"
          class="link"
          data-export="csv"
          onClick={() => void exportAs('text/csv', 'csv')}
        >
          CSV
        </button>{' '}
        <button
          type="button"
          class="link"
          data-export="geojson"
          onClick={() => void exportAs('application/geo+json', 'geojson')}
        >
          GeoJSON
        </button>
        {message ? (
          <span class="error" role="alert">
            {' '}
            {message}
          </span>
        ) : null}
      </p>
      {page.error ? (
        <p class="error" role="alert">
          Reports: {page.error.message}
        </p>
      ) : !page.data ? (
        <p aria-busy="true">Loading reports…</p>
      ) : (
        <>
          <div class="table-wrap">
            <table data-table="reports">
              <thead>
                <tr>
                  <th scope="col">Report</th>
                  <th scope="col">Occurred</th>
                  <th scope="col">Source</th>
                  <th scope="col">Place</th>
                  <th scope="col">Version</th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((report) => (
                  <tr key={report.reportId} data-report-id={report.reportId}>
                    <td>
                      <a href={`#/reports/${encodeURIComponent(report.reportId)}`}>
                        {report.reportId}
                      </a>
                    </td>
                    <td>{utc(report.occurredAt)}</td>
                    <td>
                      {report.source.name} ({report.source.reliability}
                      {report.source.credibility})
                    </td>
                    <td>
                      {report.location
                        ? `${report.location.name ?? ''} (${report.location.precision})`
                        : '-'}
                    </td>
                    <td>{report.version ?? '-'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="pager">
            <button
              type="button"
              disabled={pages.length === 0}
              onClick={() => setPages(pages.slice(0, -1))}
            >
              Previous
            </button>{' '}
            <button
              type="button"
              disabled={!page.data.nextCursor}
              onClick={() => setPages([...pages, page.data!.nextCursor!])}
            >
              Next
            </button>
          </p>
        </>
      )}
    </section>
  );
}
