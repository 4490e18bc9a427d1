import type { Report } from '@cm/contracts';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '@cm/contracts/testing';
import type { EngineEvent } from '../report-event';
import { EventLog } from './report-events';

export interface SyntheticHistoryOptions {
  seed: number;
  events: number;
  theatres: number;
  /** Event time the history spans per theatre. */
  days: number;
  start?: string;
}

/**
 * A reproducible, plausible history for determinism tests and the bench: reports of the four
 * types across theatres, mostly in event-time order, some late (up to 10 days), with
 * corrections and retractions of recent reports.
 */
export function* syntheticHistory(options: SyntheticHistoryOptions): Generator<EngineEvent> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const start = Date.parse(options.start ?? '2024-01-01T00:00:00.000Z');
  const step = (options.days * 86_400_000 * options.theatres) / options.events;
  const log = new EventLog(options.start ?? '2024-01-01T00:00:00.000Z');
  const clocks = new Array<number>(options.theatres).fill(start);
  const recent: Report[][] = Array.from({ length: options.theatres }, () => []);

  for (let index = 0; index < options.events; index++) {
    const theatreIndex = Math.floor(random() * options.theatres);
    const theatre = `theatre-${theatreIndex}`;
    const kept = recent[theatreIndex];
    const roll = random();
    if (roll < 0.04 && kept.length) {
      const [report] = kept.splice(Math.floor(random() * kept.length), 1);
      yield log.retracted(report);
      continue;
    }
    if (roll < 0.1 && kept.length) {
      const report = kept[Math.floor(random() * kept.length)];
      const corrected = { ...report, details: changedDetails(report, random) } as Report;
      kept[kept.indexOf(report)] = corrected;
      yield log.corrected(report, { details: corrected.details });
      continue;
    }
    clocks[theatreIndex] += step * 2 * random();
    const lateBy = random() < 0.1 ? random() * 10 * 86_400_000 : random() * 6 * 3_600_000;
    const occurredAt = new Date(clocks[theatreIndex] - lateBy).toISOString();
    const reportId = `r-${index}`;
    const base = { reportId, theatre, occurredAt, reportedAt: occurredAt };
    const kind = random();
    let report: Report;
    if (kind < 0.35) {
      const accused = pick(['RU', 'UA', 'RU']);
      report = aViolationReport({
        ...base,
        details: {
          accusedParty: accused,
          accusingParty: accused === 'RU' ? 'UA' : 'RU',
          ceasefire: pick(['black-sea-maritime', 'energy-infrastructure']),
          means: pick(['drone', 'missile', 'artillery', 'naval'] as const),
        },
      });
    } else if (kind < 0.65) {
      report = aCasualtyReport({
        ...base,
        details: {
          party: pick(['RU', 'UA', 'KP']),
          category: pick(['killed', 'wounded', 'killed_or_wounded'] as const),
          civilian: random() < 0.3,
          count: { best: Math.floor(random() * (random() < 0.05 ? 400 : 40)) },
          cumulative: random() < 0.1,
        },
      });
    } else if (kind < 0.9) {
      const actor = pick(['RU', 'KP', 'BY', 'UA']);
      report = aDeploymentReport({
        ...base,
        details: {
          actor,
          supporting: random() < 0.5 ? pick(['RU', 'UA']) : undefined,
          movement: pick(['arrival', 'buildup', 'withdrawal'] as const),
          personnel: { best: Math.floor(random() * 3000) },
          equipment:
            random() < 0.4
              ? [{ category: pick(['srbm', 'mrl', 'armour', 'drone', 'artillery'] as const) }]
              : undefined,
        },
      });
    } else {
      report = aSanctionDemandReport({
        ...base,
        details: {
          condition:
            random() < 0.5
              ? { kind: 'precondition_for_ceasefire', ceasefire: 'black-sea-maritime' }
              : undefined,
        },
      });
    }
    kept.push(report);
    if (kept.length > 50) kept.shift();
    yield log.reported(report);
  }
}

function changedDetails(report: Report, random: () => number): Report['details'] {
  switch (report.type) {
    case 'casualty':
      return { ...report.details, count: { best: Math.floor(random() * 200) } };
    case 'deployment':
      return { ...report.details, personnel: { best: Math.floor(random() * 3000) } };
    case 'ceasefire_violation':
      return { ...report.details, accusedParty: random() < 0.5 ? 'RU' : 'UA' };
    case 'sanction_demand':
      return { ...report.details, demand: random() < 0.5 ? 'lift' : 'ease' };
  }
}

/** A small, fast, seeded PRNG (public domain), so that histories are the same on every run. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
