import type { Readable } from 'node:stream';
import { canonicalJson, validateReport } from '@cm/contracts';
import { AcledMapper } from './acled.mapper';
import { csvRows } from './csv-rows';
import type { ImportFormat, MappedReport, MapperOptions, RowMapper } from './mapping';
import type { MonitorApi } from './monitor-api';
import { ImportAbort } from './monitor-api';
import { UcdpGedMapper } from './ucdp-ged.mapper';

/** A row (or a report of it) that did not go in, or was skipped: where and why. */
export interface RejectedRow {
  line: number;
  sourceId?: string;
  reportId?: string;
  kind: 'invalid' | 'skipped' | 'unresolved';
  reason: string;
}

export interface ImportStats {
  rows: number;
  /** Reports mapped from the rows (and valid by the contract). */
  reports: number;
  /** Reports stored new. */
  filed: number;
  /** Reports already stored with the same content (a re-import), or with equal details. */
  unchanged: number;
  corrected: number;
  retracted: number;
  /** Rows the contract has no report for; not an error. */
  skipped: number;
  /** Rows (or reports) refused: unreadable, unmappable, or invalid by the contract. */
  invalid: number;
  /** Conflicts the importer could not settle (a report retracted in the monitor). */
  unresolved: number;
  skippedReasons: Map<string, number>;
  startedAt: number;
}

export interface ImportOptions {
  format: ImportFormat;
  input: Readable;
  mapper: MapperOptions;
  /** Unused with dryRun. */
  api?: MonitorApi;
  dryRun?: boolean;
  /** Rows of the file's theatres and period are the whole release: retract the others. */
  completeRelease?: boolean;
  /** Source ids the release deleted: retract their reports. */
  deletions?: readonly string[];
  /** Reports per batch, at most 1000. */
  batchSize?: number;
  /** Batches sent at once. */
  inFlight?: number;
  now?: () => Date;
  onReject?: (reject: RejectedRow) => void;
}

/** Under the monitor's 1 MB body limit with room for the envelope. */
const MAX_BATCH_BYTES = 900_000;
const CORRECTION_CONCURRENCY = 8;

export function mapperFor(format: ImportFormat, options: MapperOptions): RowMapper {
  return format === 'ucdp-ged' ? new UcdpGedMapper(options) : new AcledMapper(options);
}

/** The prefix of the report ids a format makes (`ucdp-ged:`, `acled:`). */
export function reportIdPrefix(format: ImportFormat): string {
  return `${format}:`;
}

interface Pending {
  line: number;
  report: MappedReport;
}

/**
 * Reads the CSV as a stream, maps each row, validates each report with the contract's own
 * validateReport (what the server would answer), and files them in batches, a few batches in
 * flight, the reading paused while they are. A conflict (same id, other content) is a row a
 * newer release changed: the stored report is read and, if its details or occurredAt differ,
 * corrected at its version with the release named in the reason.
 */
export class Importer {
  readonly stats: ImportStats = {
    rows: 0,
    reports: 0,
    filed: 0,
    unchanged: 0,
    corrected: 0,
    retracted: 0,
    skipped: 0,
    invalid: 0,
    unresolved: 0,
    skippedReasons: new Map(),
    startedAt: Date.now(),
  };
  private readonly mapper: RowMapper;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private batch: Pending[] = [];
  private batchJson: string[] = [];
  private batchBytes = 0;
  /** For --complete-release: every report id the file maps to, and source ids of bad rows. */
  private readonly seenReports = new Set<string>();
  private readonly badSources = new Set<string>();
  private readonly theatres = new Set<string>();
  private firstOccurred?: string;
  private lastOccurred?: string;

  constructor(private readonly options: ImportOptions) {
    this.mapper = mapperFor(options.format, options.mapper);
    if (!options.dryRun && !options.api) throw new Error('an import that sends needs an api');
  }

  async run(): Promise<ImportStats> {
    const batchSize = Math.min(this.options.batchSize ?? 1000, 1000);
    const inFlight = this.options.inFlight ?? 4;
    const now = this.options.now ?? (() => new Date());
    if (!this.options.dryRun) await this.options.api!.checkReachable();
    for await (const row of csvRows(this.options.input)) {
      const result = this.mapper.map(row);
      if (result.kind === 'header') continue;
      this.stats.rows++;
      if (result.kind === 'skipped') {
        this.stats.skipped++;
        this.stats.skippedReasons.set(
          result.reason,
          (this.stats.skippedReasons.get(result.reason) ?? 0) + 1,
        );
        this.reject({
          line: row.line,
          sourceId: result.sourceId,
          kind: 'skipped',
          reason: result.reason,
        });
        continue;
      }
      if (result.kind === 'invalid') {
        this.stats.invalid++;
        if (result.sourceId) this.badSources.add(result.sourceId);
        this.reject({
          line: row.line,
          sourceId: result.sourceId,
          kind: 'invalid',
          reason: result.reason,
        });
        continue;
      }
      for (const mapped of result.reports) {
        if (this.options.completeRelease) this.seenReports.add(mapped.reportId);
        this.note(mapped);
        if (this.options.dryRun) {
          this.check(mapped, row.line, result.sourceId, now());
          continue;
        }
        // Sent as mapped: the server runs the same validateReport, and an item it refuses
        // comes back by index with its field paths, reported with this line.
        this.stats.reports++;
        const json = JSON.stringify(mapped);
        if (this.batch.length > 0 && this.batchBytes + json.length > MAX_BATCH_BYTES) {
          await this.dispatch(inFlight);
        }
        this.batch.push({ line: row.line, report: mapped });
        this.batchJson.push(json);
        this.batchBytes += json.length + 1;
        if (this.batch.length >= batchSize) await this.dispatch(inFlight);
      }
      if (this.failure) break;
    }
    if (!this.failure && this.batch.length > 0) await this.dispatch(inFlight);
    await Promise.all(this.inFlight);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what a dispatch threw
    if (this.failure) throw this.failure;
    if (!this.options.dryRun) await this.retractions();
    return this.stats;
  }

  /** `ucdp-ged:123:a` and `acled:UKR1` are of the source's events 123 and UKR1. */
  private sourceIdOf(reportId: string): string {
    return reportId.slice(reportIdPrefix(this.options.format).length).split(':')[0];
  }

  /** A dry run: the contract's validateReport, as the server would answer. */
  private check(report: MappedReport, line: number, sourceId: string, now: Date): void {
    const validation = validateReport(report, { now });
    if (validation.ok) {
      this.stats.reports++;
      return;
    }
    this.stats.invalid++;
    this.badSources.add(sourceId);
    this.reject({
      line,
      sourceId,
      reportId: report.reportId,
      kind: 'invalid',
      reason: validation.errors.map((error) => `${error.path}: ${error.message}`).join('; '),
    });
  }

  private note(report: MappedReport): void {
    this.theatres.add(report.theatre);
    const occurred = report.occurredAt as string;
    if (!this.firstOccurred || occurred < this.firstOccurred) this.firstOccurred = occurred;
    if (!this.lastOccurred || occurred > this.lastOccurred) this.lastOccurred = occurred;
  }

  private reject(reject: RejectedRow): void {
    this.options.onReject?.(reject);
  }

  /** Sends the current batch, first waiting for a free slot among the batches in flight. */
  private async dispatch(limit: number): Promise<void> {
    while (this.inFlight.size >= limit) await Promise.race(this.inFlight);
    const items = this.batch;
    const body = `{"reports":[${this.batchJson.join(',')}]}`;
    this.batch = [];
    this.batchJson = [];
    this.batchBytes = 0;
    const task = this.send(items, body)
      .catch((error) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private async send(items: Pending[], body: string): Promise<void> {
    const results = await this.options.api!.fileBatch(body);
    const conflicts: Pending[] = [];
    for (const result of results) {
      const item = items[result.index];
      if (result.status === 'created') this.stats.filed++;
      else if (result.status === 'duplicate') this.stats.unchanged++;
      else if (result.status === 'conflict') conflicts.push(item);
      else {
        this.stats.invalid++;
        this.badSources.add(this.sourceIdOf(item.report.reportId));
        this.reject({
          line: item.line,
          reportId: item.report.reportId,
          kind: 'invalid',
          reason: (result.errors ?? [])
            .map((error) => `${error.path.replace(/^reports\.\d+\.?/, '')}: ${error.message}`)
            .join('; '),
        });
      }
    }
    await eachLimited(conflicts, CORRECTION_CONCURRENCY, (item) => this.settleConflict(item));
  }

  /** A stored report with the same id and other content: correct it if the details changed. */
  private async settleConflict(item: Pending, attempt = 1): Promise<void> {
    const api = this.options.api!;
    const { report } = item;
    const stored = await api.getReport(report.reportId);
    if (!stored) {
      // Gone between the batch and the read: cannot happen to an event-sourced report.
      throw new ImportAbort(`Report ${report.reportId} answered conflict, then 404.`);
    }
    if (stored.retracted) {
      this.stats.unresolved++;
      this.reject({
        line: item.line,
        reportId: report.reportId,
        kind: 'unresolved',
        reason: 'the monitor holds this report as retracted; a retracted report is not revived',
      });
      return;
    }
    const changes = differences(stored.report, report);
    if (changes.length === 0) {
      // Same details and time; only what a correction cannot carry (the source's release
      // name, its publication time, the location) differs.
      this.stats.unchanged++;
      return;
    }
    const reason = `${this.options.mapper.release}: the source revised ${changes.join(', ')}`;
    const outcome = await api.correct(report.reportId, {
      expectedVersion: stored.version,
      details: report.details,
      occurredAt: report.occurredAt,
      reason: reason.length <= 1000 ? reason : `${reason.slice(0, 999)}…`,
    });
    if (outcome === 'done') this.stats.corrected++;
    else if (outcome === 'stale' && attempt < 3) await this.settleConflict(item, attempt + 1);
    else {
      this.stats.unresolved++;
      this.reject({
        line: item.line,
        reportId: report.reportId,
        kind: 'unresolved',
        reason: `the correction was refused (${outcome})`,
      });
    }
  }

  /** --deletions and --complete-release, after every row is in. */
  private async retractions(): Promise<void> {
    const api = this.options.api!;
    const release = this.options.mapper.release;
    const prefix = reportIdPrefix(this.options.format);
    const suffixes =
      this.options.format === 'ucdp-ged' ? [':a', ':b', ':civilians', ':unknown'] : [''];
    const deleted = (this.options.deletions ?? []).flatMap((id) =>
      suffixes.map((suffix) => `${prefix}${id}${suffix}`),
    );
    await eachLimited(deleted, CORRECTION_CONCURRENCY, async (reportId) => {
      const outcome = await api.retract(reportId, `${release}: deleted by the source`);
      if (outcome === 'done') this.stats.retracted++;
    });
    if (!this.options.completeRelease || !this.firstOccurred || !this.lastOccurred) return;
    // The period the release covers: UCDP GED releases whole calendar years, ACLED exports
    // a range of days (its first and last event dates are the nearest statement of it).
    let from = this.firstOccurred;
    let to = new Date(new Date(this.lastOccurred).getTime() + 1).toISOString();
    if (this.options.format === 'ucdp-ged') {
      from = `${from.slice(0, 4)}-01-01T00:00:00.000Z`;
      to = `${Number(this.lastOccurred.slice(0, 4)) + 1}-01-01T00:00:00.000Z`;
    }
    const absent: string[] = [];
    for (const theatre of this.theatres) {
      let cursor: string | undefined;
      do {
        const page = await api.casualtyPage(theatre, { from, to, cursor });
        for (const item of page.items) {
          if (!item.reportId.startsWith(prefix) || this.seenReports.has(item.reportId)) continue;
          if (this.badSources.has(this.sourceIdOf(item.reportId))) continue;
          absent.push(item.reportId);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    await eachLimited(absent, CORRECTION_CONCURRENCY, async (reportId) => {
      const outcome = await api.retract(
        reportId,
        `${release}: absent from the complete release (deleted by the source, or its deaths revised to none)`,
      );
      if (outcome === 'done') this.stats.retracted++;
    });
  }
}

/** The fields a correction carries that differ, with old and new values, for the reason. */
export function differences(stored: Record<string, unknown>, next: MappedReport): string[] {
  const changes: string[] = [];
  if (stored.occurredAt !== next.occurredAt) {
    changes.push(`occurredAt ${String(stored.occurredAt)} -> ${String(next.occurredAt)}`);
  }
  const walk = (path: string, before: unknown, after: unknown) => {
    if (canonicalJson(before) === canonicalJson(after)) return;
    const isObject = (value: unknown) =>
      typeof value === 'object' && value !== null && !Array.isArray(value);
    if (isObject(before) && isObject(after)) {
      const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
      for (const key of [...keys].sort()) {
        walk(
          `${path}.${key}`,
          (before as Record<string, unknown>)[key],
          (after as Record<string, unknown>)[key],
        );
      }
      return;
    }
    changes.push(
      `${path} ${JSON.stringify(before) ?? 'none'} -> ${JSON.stringify(after) ?? 'none'}`,
    );
  };
  walk('details', stored.details, next.details);
  return changes;
}

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
