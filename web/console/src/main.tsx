import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { AlertStream, type StreamState } from './alert-stream';
import { AlertsPanel, StreamStatus } from './alerts';
import { getJson, storeKey, storedKey } from './api';
import { ReportHistoryView } from './report';
import { TheatreView } from './theatre';
import { TheatresView } from './theatres';
import type { Alert, Page } from './types';
import './styles.css';

type Route =
  | { view: 'theatres' }
  | { view: 'theatre'; theatre: string }
  | { view: 'report'; reportId: string };

export function parseRoute(hash: string): Route {
  const theatre = /^#\/theatres\/([a-z0-9-]{2,64})$/.exec(hash);
  if (theatre) return { view: 'theatre', theatre: theatre[1] };
  const report = /^#\/reports\/(.+)$/.exec(hash);
  if (report) return { view: 'report', reportId: decodeURIComponent(report[1]) };
  return { view: 'theatres' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash));
      // A new view starts at its top, and keyboard focus moves to it.
      window.scrollTo(0, 0);
      document.getElementById('main')?.focus({ preventScroll: true });
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Unresolved alerts: GET /v1/alerts by status, then kept current by the stream. */
async function unresolvedAlerts(): Promise<Alert[]> {
  const pages = await Promise.all(
    ['open', 'acknowledged'].map((status) =>
      getJson<Page<Alert>>(`/v1/alerts?status=${status}&limit=500`),
    ),
  );
  return pages.flatMap((page) => page.items);
}

function KeyForm({ needed, onSaved }: { needed: boolean; onSaved(): void }) {
  const [value, setValue] = useState('');
  const key = storedKey();
  if (key && !needed) {
    return (
      <div class="key">
        <span>API key set for this session.</span>{' '}
        <button
          type="button"
          onClick={() => {
            storeKey(undefined);
            onSaved();
          }}
        >
          Forget key
        </button>
      </div>
    );
  }
  return (
    <form
      class={`key ${needed ? 'key-needed' : ''}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (!value.trim()) return;
        storeKey(value.trim());
        setValue('');
        onSaved();
      }}
    >
      <label for="api-key">
        {needed
          ? 'This server needs an API key (read role):'
          : 'API key (optional on an open server):'}
      </label>
      <input
        id="api-key"
        type="password"
        autocomplete="off"
        value={value}
        onInput={(event) => setValue((event.target as HTMLInputElement).value)}
      />
      <button type="submit">Use key</button>
    </form>
  );
}

function App() {
  const route = useRoute();
  const [alerts, setAlerts] = useState<Map<string, Alert>>(new Map());
  const [streamState, setStreamState] = useState<StreamState>('connecting');
  const [needsKey, setNeedsKey] = useState(false);
  // Bumped when the key changes or an alert changes, so the views read again.
  const [session, setSession] = useState(0);
  const [refresh, setRefresh] = useState(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const upsert = useCallback((alert: Alert) => {
    setAlerts((previous) => new Map(previous).set(alert.alertId, alert));
    // Counts elsewhere (theatres, overview) move with alerts: read them again, at most every 2 s.
    if (!refreshTimer.current) {
      refreshTimer.current = setTimeout(() => {
        refreshTimer.current = undefined;
        setRefresh((value) => value + 1);
      }, 2000);
    }
  }, []);

  useEffect(() => {
    const onNeedsKey = () => setNeedsKey(true);
    window.addEventListener('cm-needs-key', onNeedsKey);
    return () => window.removeEventListener('cm-needs-key', onNeedsKey);
  }, []);

  useEffect(() => {
    setNeedsKey(false);
    const stream = new AlertStream({
      onAlert: upsert,
      onState: (state) => {
        setStreamState(state);
        if (state === 'needs-key') setNeedsKey(true);
      },
      onOpen: (first) => {
        // The stream is open before the list is read: a change in between comes by both
        // ways, and the stream's copy (newer or equal) wins.
        if (!first) return;
        unresolvedAlerts().then(
          (items) =>
            setAlerts((previous) => {
              const merged = new Map(items.map((alert) => [alert.alertId, alert] as const));
              for (const [id, alert] of previous) merged.set(id, alert);
              return merged;
            }),
          () => undefined,
        );
      },
    });
    stream.start();
    return () => stream.stop();
  }, [session, upsert]);

  const onKeySaved = () => {
    setNeedsKey(false);
    setAlerts(new Map());
    setSession((value) => value + 1);
  };
  const list = [...alerts.values()];
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <h1>
          <a href="#/">Conflict monitor</a>
        </h1>
        <StreamStatus state={streamState} />
        <KeyForm needed={needsKey} onSaved={onKeySaved} />
      </header>
      <div class="layout">
        <main id="main" tabIndex={-1}>
          {route.view === 'theatres' ? (
            <TheatresView alerts={list} refresh={session * 10_000 + refresh} key={`t/${session}`} />
          ) : route.view === 'theatre' ? (
            <TheatreView
              theatre={route.theatre}
              refresh={session * 10_000 + refresh}
              key={`${route.theatre}/${session}`}
            />
          ) : (
            <ReportHistoryView reportId={route.reportId} key={`${route.reportId}/${session}`} />
          )}
        </main>
        <aside>
          <AlertsPanel alerts={list} onChanged={upsert} />
        </aside>
      </div>
      <footer>
        API: <a href="/docs">/docs</a>. Times in UTC.
      </footer>
    </>
  );
}

render(<App />, document.getElementById('app')!);
