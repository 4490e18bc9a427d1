import { performance } from 'node:perf_hooks';
import type { Report } from '@cm/contracts';
import { EscalationEngine } from '@cm/escalation';
import { EventLog } from '../libs/escalation/src/testing/report-events';
import { defaultRules } from './default-rules';

/**
 * The rule engine's cost per event as one alert's evidence grows: `reports` foreign
 * reinforcements in one theatre, all at one occurredAt, so that each joins the same two open
 * alerts of the default rules (infra/rules), as in the ingest bench's worst case. Prints the
 * mean time per event in the stretches ending at each evidence size. A measurement run by
 * hand, not a test (numbers move with the machine's load):
 *   npx esbuild bench/engine-per-event.bench.ts --bundle --platform=node \
 *     --outfile=/tmp/engine-per-event.js && node /tmp/engine-per-event.js [reports]
 */
export function benchEnginePerEvent(reports = 10_000): { evidence: number; usPerEvent: number }[] {
  const engine = new EscalationEngine(defaultRules());
  const log = new EventLog('2024-12-02T08:00:00.000Z');
  const marks = [100, 1_000, 10_000, 30_000].filter((mark) => mark <= reports);
  // A warm-up in another theatre, so that the first stretches time compiled code.
  for (let index = 0; index < 2_000; index++) {
    engine.apply(log.reported(report(index, 'bench-warm-up')));
  }
  const figures: { evidence: number; usPerEvent: number }[] = [];
  for (const mark of marks) {
    // Per theatre, time the last tenth of the reports up to the mark (evidence about `mark`
    // there); small marks in several theatres, so that a stretch is not a few milliseconds.
    const timed = Math.max(50, Math.floor(mark / 10));
    const theatres = Math.max(1, Math.floor(2_000 / mark));
    let elapsed = 0;
    for (let copy = 0; copy < theatres; copy++) {
      const theatre = `bench-${mark}-${copy}`;
      const events = Array.from({ length: mark }, (_, index) =>
        log.reported(report(index, theatre)),
      );
      let index = 0;
      for (; index < mark - timed; index++) engine.apply(events[index]);
      const started = performance.now();
      for (; index < mark; index++) engine.apply(events[index]);
      elapsed += performance.now() - started;
    }
    figures.push({ evidence: mark, usPerEvent: Math.round((elapsed * 1000) / (timed * theatres)) });
  }
  return figures;
}

function report(index: number, theatre = 'bench-theatre'): Report {
  return {
    reportId: `bench-${String(index).padStart(6, '0')}`,
    type: 'deployment',
    theatre,
    occurredAt: '2024-12-01T00:00:00.000Z',
    reportedAt: '2024-12-02T08:00:00.000Z',
    source: { name: 'Ministry of Defence', kind: 'government', reliability: 'B', credibility: 2 },
    location: { name: 'Kursk oblast', country: 'RU', lat: 51.7, lon: 36.2, precision: 'region' },
    details: {
      actor: index % 7 === 0 ? 'BY' : 'KP',
      supporting: 'RU',
      movement: 'arrival',
      personnel: { low: 2500, best: 3000 + (index % 13), high: 3500 },
      equipment: [{ category: 'srbm' }, { category: 'mrl', quantity: { best: 24 } }],
    },
  } as unknown as Report;
}

if (require.main === module) {
  const reports = Number(process.argv[2]) || 10_000;
  const started = performance.now();
  const figures = benchEnginePerEvent(reports);
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ figures, totalSeconds: Math.round(seconds * 10) / 10 }));
}
