import {
  EVENT_TYPES,
  reportedEventFor,
  reportStreamId,
  type Report,
  type ReportCorrectedData,
  type ReportDetails,
  type ReportRetractedData,
} from '@cm/contracts';
import { mulberry32 } from '@cm/escalation/testing/synthetic-history';

/**
 * A reproducible history of report events for read-model tests and benches: the four
 * report types over several theatres, parties and sources, with late reports, corrections
 * (some moving occurredAt), retractions, withdrawals and cumulative casualty totals from
 * sources that disagree. Test support, not exported by the lib's index.
 */
export interface ReportHistoryOptions {
  seed: number;
  /** Events to produce (reports filed, corrected and retracted). */
  events: number;
  theatres?: number;
  /** Event time spans [start, start + days]; late reports reach back up to 10 days. */
  start?: string;
  days?: number;
  /** Shares of events that correct and retract an earlier report (defaults 0.08, 0.04). */
  corrections?: number;
  retractions?: number;
  /** Prefix of report ids, so that several histories can go into one store. */
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

const PARTIES = ['RU', 'UA', 'KP', 'BY', 'wagner-group'] as const;
const SOURCES = [
  { name: 'Ukrainian General Staff', kind: 'military', reliability: 'B', credibility: 3 },
  { name: 'Russian Ministry of Defence', kind: 'military', reliability: 'C', credibility: 4 },
  { name: 'ISW', kind: 'osint', reliability: 'B', credibility: 2 },
  { name: 'Reuters', kind: 'media', reliability: 'A', credibility: 2 },
  { name: 'Local Telegram channel', kind: 'other', reliability: 'E', credibility: 5 },
] as const;

export function* reportHistory(options: ReportHistoryOptions): Generator<HistoryEvent> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (max: number) => Math.floor(random() * max);
  const theatres = options.theatres ?? 5;
  const start = Date.parse(options.start ?? '2025-01-01T00:00:00.000Z');
  const span = (options.days ?? 30) * 86_400_000;
  const correctShare = options.corrections ?? 0.08;
  const retractShare = options.retractions ?? 0.04;
  const prefix = options.idPrefix ?? 'h';
  /** Reports that may still be corrected or retracted: a bounded window of recent ones. */
  const live: { report: Report; version: number }[] = [];
  /** Each source's running totals climb, so later totals are (mostly) larger. */
  const runningTotals = new Map<string, number>();

  const estimate = (best: number) => {
    const roll = random();
    if (roll < 0.4) return { best };
    if (roll < 0.7) return { low: Math.floor(best * 0.8), best, high: Math.ceil(best * 1.3) };
    return { low: Math.floor(best * 0.9), best };
  };

  const detailsFor = (type: Report['type'], theatre: string, source: string): ReportDetails => {
    switch (type) {
      case 'deployment': {
        const actor = pick(PARTIES);
        const withPersonnel = random() < 0.85;
        return {
          actor,
          ...(random() < 0.4 ? { supporting: pick(PARTIES) } : {}),
          movement: pick(['arrival', 'buildup', 'buildup', 'withdrawal'] as const),
          ...(withPersonnel ? { personnel: estimate(100 + int(5000)) } : {}),
          ...(!withPersonnel || random() < 0.4
            ? {
                equipment: Array.from({ length: 1 + int(2) }, () => ({
                  category: pick(['srbm', 'mrl', 'artillery', 'armour', 'drone'] as const),
                  ...(random() < 0.7 ? { quantity: estimate(1 + int(60)) } : {}),
                })),
              }
            : {}),
        };
      }
      case 'casualty': {
        const party = pick(PARTIES);
        const category = pick(['killed', 'wounded', 'killed_or_wounded'] as const);
        const civilian = random() < 0.2;
        const cumulative = random() < 0.3;
        let best = int(60);
        if (cumulative) {
          const key = [theatre, party, category, civilian, source].join('|');
          best = (runningTotals.get(key) ?? int(1000)) + int(300);
          runningTotals.set(key, best);
        }
        return { party, category, civilian, count: estimate(best), cumulative };
      }
      case 'ceasefire_violation': {
        const accusedParty = pick(PARTIES);
        return {
          ceasefire: pick(['black-sea-maritime', 'energy-infrastructure']),
          accusedParty,
          accusingParty: pick(PARTIES.filter((party) => party !== accusedParty)),
          means: pick(['drone', 'missile', 'artillery', 'naval'] as const),
          ...(random() < 0.5 ? { target: 'port infrastructure' } : {}),
        };
      }
      case 'sanction_demand':
        return {
          demandingParty: pick(PARTIES),
          sanctions: [
            {
              imposedBy: pick(['EU', 'US', 'GB']),
              target: pick(['Rosselkhozbank', 'Gazprombank', 'Aeroflot']),
              measure: pick(['SWIFT disconnection', 'asset freeze']),
            },
          ],
          demand: pick(['lift', 'ease', 'impose'] as const),
          ...(random() < 0.5
            ? {
                condition: {
                  kind: 'precondition_for_ceasefire' as const,
                  ceasefire: 'black-sea-maritime',
                },
              }
            : {}),
        };
    }
  };

  for (let index = 0; index < options.events; index++) {
    const roll = random();
    if (roll < retractShare && live.length > 0) {
      const [entry] = live.splice(int(live.length), 1);
      const data: ReportRetractedData = {
        reportId: entry.report.reportId,
        reportType: entry.report.type,
        theatre: entry.report.theatre,
        reason: 'source withdrew the claim',
      };
      yield {
        streamId: reportStreamId(entry.report.reportId),
        expectedVersion: entry.version,
        type: EVENT_TYPES.ReportRetracted,
        data,
      };
      continue;
    }
    if (roll < retractShare + correctShare && live.length > 0) {
      const entry = live[int(live.length)];
      const occurredAt =
        random() < 0.3
          ? new Date(Date.parse(entry.report.occurredAt) - int(3 * 86_400_000)).toISOString()
          : entry.report.occurredAt;
      const details = detailsFor(entry.report.type, entry.report.theatre, entry.report.source.name);
      const data: ReportCorrectedData = {
        reportId: entry.report.reportId,
        reportType: entry.report.type,
        theatre: entry.report.theatre,
        details,
        occurredAt,
        reason: 'revised',
      };
      yield {
        streamId: reportStreamId(entry.report.reportId),
        expectedVersion: entry.version,
        type: EVENT_TYPES.ReportCorrected,
        data,
      };
      entry.version += 1;
      entry.report = { ...entry.report, details, occurredAt } as Report;
      continue;
    }
    const progress = (index / Math.max(1, options.events)) * span;
    const late = random() < 0.1 ? int(10 * 86_400_000) : int(6 * 3_600_000);
    const occurredAt = new Date(start + progress - late).toISOString();
    const theatre = `theatre-${int(theatres)}`;
    const type = pick([
      'deployment',
      'casualty',
      'casualty',
      'ceasefire_violation',
      'sanction_demand',
    ] as const);
    const source = pick(SOURCES);
    const report = {
      reportId: `${prefix}-${index}`,
      type,
      theatre,
      occurredAt,
      occurredPrecision: 'hour',
      reportedAt: new Date(Date.parse(occurredAt) + int(86_400_000)).toISOString(),
      source: { ...source },
      details: detailsFor(type, theatre, source.name),
    } as Report;
    const event = reportedEventFor(report);
    yield {
      streamId: reportStreamId(report.reportId),
      expectedVersion: 0,
      type: event.type,
      data: event.data,
    };
    live.push({ report, version: 1 });
    if (live.length > 400) live.splice(int(live.length), 1);
  }
}
