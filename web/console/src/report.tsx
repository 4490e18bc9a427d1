import { getJson } from './api';
import { label, utc } from './format';
import { useLoad } from './hooks';
import type { ReportView } from './types';

const STEP_NAMES: Record<string, string> = {
  ReportFiled: 'filed',
  ReportCorrected: 'corrected',
  ReportRetracted: 'retracted',
};

export function ReportHistoryView({ reportId }: { reportId: string }) {
  const view = useLoad(
    () => getJson<ReportView>(`/v1/reports/${encodeURIComponent(reportId)}`),
    [reportId],
  );
  if (view.error)
    return (
      <p class="error" role="alert">
        Report {reportId}: {view.error.message}
      </p>
    );
  if (!view.data) return <p aria-busy="true">Loading report…</p>;
  const { report, history } = view.data;
  return (
    <section aria-labelledby="report-heading">
      <p>
        <a href={`#/theatres/${view.data.theatre}`}>← {view.data.theatre}</a>
      </p>
      <h2 id="report-heading">
        Report {view.data.reportId}{' '}
        {view.data.retracted ? <span class="badge retracted">retracted</span> : null}
      </h2>
      <dl class="facts">
        <dt>Type</dt>
        <dd>{label(view.data.type)}</dd>
        <dt>Version</dt>
        <dd data-figure="version">{view.data.version}</dd>
        <dt>Occurred</dt>
        <dd>{utc(report.occurredAt)}</dd>
        <dt>Source</dt>
        <dd>
          {report.source.name} ({report.source.kind}, {report.source.reliability}
          {report.source.credibility})
        </dd>
        <dt>Place</dt>
        <dd>
          {report.location
            ? `${report.location.name ?? ''} ${report.location.lat}, ${report.location.lon} (${report.location.precision})`
            : 'not located'}
        </dd>
        {view.data.retracted ? (
          <>
            <dt>Retraction reason</dt>
            <dd>{view.data.retractionReason ?? '-'}</dd>
          </>
        ) : null}
      </dl>
      <h3>Details as they stand</h3>
      <pre class="details">{JSON.stringify(report.details, null, 2)}</pre>
      <h3>History</h3>
      <div class="table-wrap">
        <table class="history">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Step</th>
              <th scope="col">Recorded</th>
              <th scope="col">By</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {history.map((step) => (
              <tr key={step.version} data-version={step.version}>
                <td>{step.version}</td>
                <td>{STEP_NAMES[step.type] ?? step.type}</td>
                <td>{utc(step.recordedAt)}</td>
                <td>{step.metadata?.recordedBy ?? '-'}</td>
                <td>{typeof step.data.reason === 'string' ? step.data.reason : '-'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
