import { performance } from 'node:perf_hooks';
import { EscalationEngine } from '@cm/escalation';
import type { EngineEvent, EngineSnapshot, Rule } from '@cm/escalation';
import { engineHistory } from '../libs/escalation/src/testing/report-events';
import { defaultRules } from './default-rules';
import { fullGc } from './measure';

export interface EscalationBenchResult {
  events: number;
  theatres: number;
  days: number;
  eventsPerSecond: number;
  changes: number;
  /** After a full GC once every event is applied, in MB: the state the alerter would hold. */
  heapUsedMb: number;
  heapTotalMb: number;
  rssMb: number;
  /** The highest RSS seen after any chunk of events. */
  peakRssMb: number;
  reportsKept: number;
  openAlerts: number;
  /** The snapshot written per theatre as JSON text, all theatres together. */
  snapshotMb: number;
  snapshotMs: number;
  restoreMs: number;
}

const CHUNK = 10_000;

/**
 * The rule engine alone, with the default rules of infra/rules, fed `events` synthetic report
 * events over `theatres` theatres spanning `days` of event time (the report history of
 * libs/contracts/src/testing as engine events: 35% violations, 30% casualties, 25%
 * deployments, 10% sanction demands; 6% corrections, 4% retractions; 10% of reports up to 10
 * days late). Events are generated in chunks outside the
 * timed part. Heap and RSS are read after a full GC once all are applied; then the state is
 * snapshotted per theatre and restored into a fresh engine (the old one dropped first, as in
 * a restarted alerter). A measurement run by hand, not a test:
 *   node dist/bench/escalation.bench.js [events] [theatres] [days]
 */
export async function benchEscalation(
  options: { events?: number; theatres?: number; days?: number } = {},
): Promise<EscalationBenchResult> {
  const events = options.events ?? 1_000_000;
  const theatres = options.theatres ?? 200;
  const days = options.days ?? 365;
  const rules = defaultRules();
  const gc = fullGc();

  const run = processHistory(rules, events, theatres, days, gc);
  gc();
  const started = performance.now();
  EscalationEngine.restore(rules, {
    ...run.header,
    theatres: run.texts.flatMap((text) => JSON.parse(text) as EngineSnapshot['theatres']),
  });
  const restoreMs = performance.now() - started;
  return { ...run.result, restoreMs: Math.round(restoreMs) };
}

function processHistory(
  rules: Rule[],
  events: number,
  theatres: number,
  days: number,
  gc: () => void,
) {
  const engine = new EscalationEngine(rules);
  const history = engineHistory({ seed: 1, events, theatres, days });
  let applyMs = 0;
  let changes = 0;
  let peakRss = 0;
  for (let done = 0; done < events; done += CHUNK) {
    const chunk: EngineEvent[] = [];
    for (let i = 0; i < CHUNK; i++) {
      const next = history.next();
      if (next.done) break;
      chunk.push(next.value);
    }
    const started = performance.now();
    for (const event of chunk) changes += engine.apply(event).length;
    applyMs += performance.now() - started;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  gc();
  const memory = process.memoryUsage();

  // As the alerter would store it: one JSON text per theatre, beside a small header.
  const started = performance.now();
  const header = engine.snapshot([]);
  const texts: string[] = [];
  let reportsKept = 0;
  for (let theatre = 0; theatre < theatres; theatre++) {
    const part = engine.snapshot([`theatre-${theatre}`]).theatres;
    reportsKept += part.reduce((sum, state) => sum + state.reports.length, 0);
    texts.push(JSON.stringify(part));
  }
  const snapshotMs = performance.now() - started;
  return {
    header,
    texts,
    result: {
      events,
      theatres,
      days,
      eventsPerSecond: Math.round(events / (applyMs / 1000)),
      changes,
      heapUsedMb: Math.round(memory.heapUsed / 1e6),
      heapTotalMb: Math.round(memory.heapTotal / 1e6),
      rssMb: Math.round(memory.rss / 1e6),
      peakRssMb: Math.round(peakRss / 1e6),
      reportsKept,
      openAlerts: engine.openAlerts().length,
      snapshotMb: Math.round(texts.reduce((sum, text) => sum + text.length, 0) / 1e5) / 10,
      snapshotMs: Math.round(snapshotMs),
    },
  };
}

if (require.main === module) {
  const [events, theatres, days] = process.argv.slice(2).map(Number);
  void benchEscalation({
    events: events || undefined,
    theatres: theatres || undefined,
    days: days || undefined,
  }).then((result) => console.log(JSON.stringify(result, null, 2)));
}
