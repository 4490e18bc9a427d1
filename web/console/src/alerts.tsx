import { useState } from 'preact/hooks';
import { postJson } from './api';
import { label, utc } from './format';
import { alertOrder } from './logic';
import type { Alert } from './types';
import type { StreamState } from './alert-stream';

const STATE_TEXT: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  'needs-key': 'Needs an API key',
};

export function StreamStatus({ state }: { state: StreamState }) {
  return (
    <span
      class={`stream-state stream-${state}`}
      role="status"
      aria-live="polite"
      data-stream-state={state}
    >
      <span class="dot" aria-hidden="true" /> Alerts: {STATE_TEXT[state]}
    </span>
  );
}

export function AlertsPanel({
  alerts,
  onChanged,
}: {
  alerts: Alert[];
  onChanged(alert: Alert): void;
}) {
  const [showResolved, setShowResolved] = useState(false);
  const shown = alerts
    .filter((alert) => showResolved || alert.status !== 'resolved')
    .sort(alertOrder);
  return (
    <section aria-labelledby="alerts-heading" class="alerts">
      <h2 id="alerts-heading">
        Alerts{' '}
        <span class="count">
          ({alerts.filter((alert) => alert.status !== 'resolved').length} unresolved)
        </span>
      </h2>
      <label class="inline">
        <input
          type="checkbox"
          checked={showResolved}
          onChange={(event) => setShowResolved((event.target as HTMLInputElement).checked)}
        />{' '}
        Show resolved
      </label>
      {shown.length === 0 ? <p class="empty">No alerts to show.</p> : null}
      <ol class="alert-list" aria-live="polite" aria-relevant="additions">
        {shown.map((alert) => (
          <AlertItem alert={alert} key={alert.alertId} onChanged={onChanged} />
        ))}
      </ol>
    </section>
  );
}

function AlertItem({ alert, onChanged }: { alert: Alert; onChanged(alert: Alert): void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const noteId = `note-${alert.alertId}`;
  const act = async (action: 'acknowledge' | 'resolve') => {
    setBusy(true);
    setError('');
    try {
      onChanged(
        await postJson<Alert>(
          `/v1/alerts/${encodeURIComponent(alert.alertId)}/${action}`,
          note ? { note } : {},
        ),
      );
      setNote('');
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li
      class={`alert alert-${alert.severity} status-${alert.status}`}
      data-alert-id={alert.alertId}
      data-status={alert.status}
      data-rule={alert.rule}
    >
      <p class="alert-head">
        <span class={`severity severity-${alert.severity}`}>{alert.severity}</span>{' '}
        <strong>{label(alert.rule)}</strong> in{' '}
        <a href={`#/theatres/${alert.theatre}`}>{alert.theatre}</a>{' '}
        <span class="badge">{alert.status}</span>
      </p>
      <p class="summary">{alert.summary}</p>
      <p class="meta">
        Events {utc(alert.windowStart)} to {utc(alert.windowEnd)}; raised {utc(alert.raisedAt)}
      </p>
      <details>
        <summary>Evidence ({alert.evidence.length})</summary>
        <ul class="plain">
          {alert.evidence.map((item) => (
            <li key={item.reportId}>
              <a href={`#/reports/${encodeURIComponent(item.reportId)}`}>{item.reportId}</a> (
              {label(item.type)}, {utc(item.occurredAt, false)})
            </li>
          ))}
        </ul>
      </details>
      {alert.acknowledgement?.note ? (
        <p class="meta">Acknowledged: {alert.acknowledgement.note}</p>
      ) : null}
      {alert.resolution?.note ? <p class="meta">Resolved: {alert.resolution.note}</p> : null}
      {alert.status !== 'resolved' ? (
        <form class="alert-actions" onSubmit={(event) => event.preventDefault()}>
          <label for={noteId}>Note</label>
          <input
            id={noteId}
            type="text"
            value={note}
            maxLength={1000}
            onInput={(event) => setNote((event.target as HTMLInputElement).value)}
          />
          {alert.status === 'open' ? (
            <button type="button" disabled={busy} onClick={() => void act('acknowledge')}>
              Acknowledge
            </button>
          ) : null}
          <button type="button" disabled={busy} onClick={() => void act('resolve')}>
            Resolve
          </button>
        </form>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </li>
  );
}
