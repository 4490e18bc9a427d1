import {
  EVENT_TYPES,
  reportedEventFor,
  reportStreamId,
  type ReportCorrected,
  type ReportRetracted,
} from '../events/report-events';
import type { CountEstimate, Report, ReportDetails, ReportSource } from '../report.types';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from './report-builders';

/**
 * The one seeded report history of the tests and benches: reports of the four types across
 * theatres, mostly in event-time order, some late (up to 10 days), with corrections and
 * retractions of recent reports, withdrawals and cumulative casualty totals. The same options
 * give the same events on every run. It yields store appends; @cm/escalation/testing's
 * `engineHistory` gives the same events as the engine reads them.
 */
export interface ReportHistoryOptions {
  seed: number;
  /** Events to produce (reports filed, corrected and retracted). */
  events: number;
  /** Theatres `theatre-0` to `theatre-<n - 1>` (default 5). */
  theatres?: number;
  /**
   * Event time from `start` (default 2024-01-01) that each theatre's clock would cover if
   * every event were a new report (default 30 days): the reports span about
   * `days * (1 - retractions - corrections)`, late ones reaching back up to 10 days more.
   */
  days?: number;
  start?: string;
  /** Shares of events that retract and correct a recent report (defaults 0.04 and 0.06). */
  retractions?: number;
  corrections?: number;
  /** Share of corrections that also move occurredAt back, by up to 3 days (default 0). */
  movedCorrections?: number;
  /**
   * Sources to name, one picked for each report; each keeps running casualty totals (a
   * cumulative report climbs from the source's last total), so the sources' totals disagree.
   * Default: the report builders' source of each type, cumulative counts drawn afresh.
   */
  sources?: readonly ReportSource[];
  /**
   * `best` (default): every estimate a best figure only. `ranges`: estimates as UCDP gives
   * them, some with low and high; equipment with quantities; some deployments without personnel.
   */
  estimates?: 'best' | 'ranges';
  /** Report ids are `<idPrefix>-<index>` (default `r`), so several histories fit one store. */
  idPrefix?: string;
}

/** One event to append to a report's stream, with the version the stream is at before it. */
export interface HistoryEvent {
  streamId: string;
  /** The stream's version before this event (0: the stream does not exist yet). */
  expectedVersion: number;
  type: string;
  data: unknown;
}

export const HISTORY_START = '2024-01-01T00:00:00.000Z';

/** Five sources of different standing, for `sources`. */
export const HISTORY_SOURCES: readonly ReportSource[] = [
  { name: 'Ukrainian General Staff', kind: 'military', reliability: 'B', credibility: 3 },
  { name: 'Russian Ministry of Defence', kind: 'military', reliability: 'C', credibility: 4 },
  { name: 'ISW', kind: 'osint', reliability: 'B', credibility: 2 },
  { name: 'Reuters', kind: 'media', reliability: 'A', credibility: 2 },
  { name: 'Local Telegram channel', kind: 'other', reliability: 'E', credibility: 5 },
];

/** What the read models tell apart: sources, ranges, moved corrections; more corrections. */
export const VARIED_REPORTS = {
  sources: HISTORY_SOURCES,
  estimates: 'ranges',
  movedCorrections: 0.3,
  corrections: 0.08,
} as const satisfies Partial<ReportHistoryOptions>;

const DAY = 86_400_000;

interface RecentReport {
  report: Report;
  /** The report stream's version. */
  version: number;
}

export function* reportHistory(options: ReportHistoryOptions): Generator<HistoryEvent> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const theatres = options.theatres ?? 5;
  const retractShare = options.retractions ?? 0.04;
  const correctShare = options.corrections ?? 0.06;
  const movedShare = options.movedCorrections ?? 0;
  const ranges = options.estimates === 'ranges';
  const prefix = options.idPrefix ?? 'r';
  const start = Date.parse(options.start ?? HISTORY_START);
  // Each theatre's clock moves on by `step` a report on average. Options add draws of their
  // own and change none of the defaults', so the defaults keep giving the benches' history.
  const step = ((options.days ?? 30) * DAY * theatres) / options.events;
  const clocks = new Array<number>(theatres).fill(start);
  /** Reports of each theatre that may still be corrected or retracted: the last 50. */
  const recent: RecentReport[][] = Array.from({ length: theatres }, () => []);
  /** Each source's running casualty totals, by theatre, party, category and flag. */
  const runningTotals = new Map<string, number>();

  /** UCDP-style bounds for a best figure, or none. */
  const estimate = (best: number): CountEstimate => {
    const roll = random();
    if (roll < 0.4) return { best };
    if (roll < 0.7) return { low: Math.floor(best * 0.8), best, high: Math.ceil(best * 1.3) };
    return { low: Math.floor(best * 0.9), best };
  };

  /** With `estimates: 'ranges'`: bounds, quantities, some personnel left out. */
  const withEstimates = (report: Report): Report => {
    if (!ranges) return report;
    switch (report.type) {
      case 'casualty':
        return {
          ...report,
          details: { ...report.details, count: estimate(report.details.count.best) },
        };
      case 'deployment': {
        const { personnel, equipment, ...details } = report.details;
        const kept = random() < 0.85 || !equipment ? personnel : undefined;
        return {
          ...report,
          details: {
            ...details,
            ...(kept ? { personnel: estimate(kept.best) } : {}),
            ...(equipment
              ? {
                  equipment: equipment.map((item) =>
                    random() < 0.7
                      ? { ...item, quantity: estimate(1 + Math.floor(random() * 60)) }
                      : item,
                  ),
                }
              : {}),
          },
        };
      }
      default:
        return report;
    }
  };

  for (let index = 0; index < options.events; index++) {
    const theatreIndex = Math.floor(random() * theatres);
    const theatre = `theatre-${theatreIndex}`;
    const kept = recent[theatreIndex];
    const roll = random();
    if (roll < retractShare && kept.length) {
      const [entry] = kept.splice(Math.floor(random() * kept.length), 1);
      yield { ...inStream(entry), ...retractedEventFor(entry.report) };
      continue;
    }
    if (roll < retractShare + correctShare && kept.length) {
      const entry = kept[Math.floor(random() * kept.length)];
      const corrected = withEstimates({
        ...entry.report,
        details: changedDetails(entry.report, random),
      } as Report);
      if (movedShare > 0 && random() < movedShare) {
        const moved = Date.parse(entry.report.occurredAt) - Math.floor(random() * 3 * DAY);
        corrected.occurredAt = new Date(moved).toISOString();
      }
      yield {
        ...inStream(entry),
        ...correctedEventFor(entry.report, {
          details: corrected.details,
          occurredAt: corrected.occurredAt,
        }),
      };
      entry.report = corrected;
      entry.version += 1;
      continue;
    }
    clocks[theatreIndex] += step * 2 * random();
    const lateBy = random() < 0.1 ? random() * 10 * DAY : random() * 6 * 3_600_000;
    const occurredAt = new Date(clocks[theatreIndex] - lateBy).toISOString();
    const reportId = `${prefix}-${index}`;
    const source = options.sources ? pick(options.sources) : undefined;
    const base = {
      reportId,
      theatre,
      occurredAt,
      reportedAt: occurredAt,
      ...(source && { source }),
    };
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
      const party = pick(['RU', 'UA', 'KP']);
      const category = pick(['killed', 'wounded', 'killed_or_wounded'] as const);
      const civilian = random() < 0.3;
      let best = Math.floor(random() * (random() < 0.05 ? 400 : 40));
      const cumulative = random() < 0.1;
      if (cumulative && source) {
        const key = [theatre, party, category, civilian, source.name].join('|');
        best += runningTotals.get(key) ?? 0;
        runningTotals.set(key, best);
      }
      report = aCasualtyReport({
        ...base,
        details: { party, category, civilian, count: { best }, cumulative },
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
    report = withEstimates(report);
    kept.push({ report, version: 1 });
    if (kept.length > 50) kept.shift();
    yield { streamId: reportStreamId(reportId), expectedVersion: 0, ...reportedEventFor(report) };
  }
}

function inStream(entry: RecentReport): Pick<HistoryEvent, 'streamId' | 'expectedVersion'> {
  return { streamId: reportStreamId(entry.report.reportId), expectedVersion: entry.version };
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

/** The event that corrects `report`: new details (whole), a new occurredAt, or both. */
export function correctedEventFor(
  report: Report,
  change: { details?: ReportDetails; occurredAt?: string; reason?: string },
): ReportCorrected {
  return {
    type: EVENT_TYPES.ReportCorrected,
    data: {
      reportId: report.reportId,
      reportType: report.type,
      theatre: report.theatre,
      details: change.details ?? report.details,
      occurredAt: change.occurredAt ?? report.occurredAt,
      reason: change.reason ?? 'revised',
    },
  };
}

export function retractedEventFor(
  report: Report,
  reason = 'source withdrew the claim',
): ReportRetracted {
  return {
    type: EVENT_TYPES.ReportRetracted,
    data: {
      reportId: report.reportId,
      reportType: report.type,
      theatre: report.theatre,
      reason,
    },
  };
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
