import { createReadStream, createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { SLUG_PATTERN } from '@cm/contracts';
import { Importer, type ImportStats, type RejectedRow } from './importer';
import { HeaderError, type ImportFormat } from './mapping';
import { ImportAbort, MonitorApi } from './monitor-api';
import { TheatreMapping } from './theatre-mapping';

const USAGE = `Usage: npm run import -- <ucdp-ged|acled> <file.csv|-> [options]

Reads a UCDP GED or ACLED CSV file (or standard input for -) and files its events as
reports with a running monitor (POST /v1/reports/batch). MONITOR_URL (default
http://127.0.0.1:3000) and API_KEY (a key with the ingest and read roles) say where and as whom.

Options:
  --release <name>       the source's name: the release, e.g. "UCDP GED 25.1" or "ACLED 2025-06-02"
                         (default "UCDP GED" or "ACLED")
  --theatres <file>      theatre slugs by conflict (UCDP: conflict_new_id or conflict_name) or
                         country (ACLED: country or iso), a JSON object or a key,theatre CSV
  --theatre <slug>       one theatre for every row
  --dry-run              map and validate only; nothing is sent
  --complete-release     the file is the whole release for its theatres and period: reports of
                         this format there that no row gives any more are retracted
  --deletions <file>     a CSV of deleted event ids (ACLED's deleted events: event_id_cnty;
                         UCDP: id), whose reports are retracted
  --rejects <file>       write every refused or skipped row (line, id, reason) there as CSV
                         instead of listing the refused ones on stderr
  --batch-size <n>       reports per batch (1-1000, default 1000)
  --in-flight <n>        batches sent at once (default 4)

Exit status: 0 when every row went in (or was skipped as having no report type), 1 when
some were refused or the import stopped, 2 for a usage error.`;

class UsageError extends Error {}

interface Cli {
  format: ImportFormat;
  file: string;
  release: string;
  theatres: TheatreMapping;
  theatre?: string;
  dryRun: boolean;
  completeRelease: boolean;
  deletions?: string[];
  rejects?: string;
  batchSize: number;
  inFlight: number;
}

export function parseCli(argv: string[]): Cli | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      release: { type: 'string' },
      theatres: { type: 'string' },
      theatre: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'complete-release': { type: 'boolean', default: false },
      deletions: { type: 'string' },
      rejects: { type: 'string' },
      'batch-size': { type: 'string' },
      'in-flight': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 2)
    throw new UsageError('give a format and a file (or - for standard input)');
  const [format, file] = positionals;
  if (format !== 'ucdp-ged' && format !== 'acled') {
    throw new UsageError(`unknown format "${format}"; the formats are ucdp-ged and acled`);
  }
  const integer = (name: string, text: string | undefined, fallback: number, max: number) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new UsageError(`--${name} takes a whole number from 1 to ${max}`);
    }
    return value;
  };
  if (values.theatre !== undefined && !SLUG_PATTERN.test(values.theatre)) {
    throw new UsageError(`--theatre "${values.theatre}" is not a slug ([a-z0-9-]{2,64})`);
  }
  const release = values.release ?? (format === 'ucdp-ged' ? 'UCDP GED' : 'ACLED');
  if (release.trim() === '' || release.length > 200) {
    throw new UsageError('--release is a name of 1 to 200 characters');
  }
  let theatres = TheatreMapping.empty();
  if (values.theatres) {
    try {
      theatres = TheatreMapping.fromFile(values.theatres);
    } catch (error) {
      throw new UsageError(`--theatres ${values.theatres}: ${(error as Error).message}`);
    }
  }
  let deletions: string[] | undefined;
  if (values.deletions) {
    try {
      deletions = readDeletions(values.deletions, format);
    } catch (error) {
      throw new UsageError(`--deletions ${values.deletions}: ${(error as Error).message}`);
    }
  }
  return {
    format,
    file,
    release,
    theatres,
    theatre: values.theatre,
    dryRun: values['dry-run'] ?? false,
    completeRelease: values['complete-release'] ?? false,
    deletions,
    rejects: values.rejects,
    batchSize: integer('batch-size', values['batch-size'], 1000, 1000),
    inFlight: integer('in-flight', values['in-flight'], 4, 32),
  };
}

/** The ids of a deletions CSV: its event_id_cnty (or id) column, else its first. */
export function readDeletions(path: string, format: ImportFormat): string[] {
  const records = parse(readFileSync(path, 'utf8'), {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
  }) as string[][];
  if (records.length === 0) return [];
  const header = records[0].map((name) => name.toLowerCase());
  const column = header.indexOf(format === 'acled' ? 'event_id_cnty' : 'id');
  const rows = column >= 0 ? records.slice(1) : records;
  return rows.map((record) => record[Math.max(column, 0)]).filter((id) => id);
}

function formatStats(stats: ImportStats, dryRun: boolean): string {
  const seconds = Math.max((Date.now() - stats.startedAt) / 1000, 0.001);
  const rate = Math.round(stats.rows / seconds).toLocaleString('en-US');
  return dryRun
    ? `${stats.rows} rows (${rate}/s): ${stats.reports} valid reports, ${stats.skipped} skipped, ${stats.invalid} invalid`
    : `${stats.rows} rows (${rate}/s): ${stats.filed} filed, ${stats.unchanged} duplicates, ` +
        `${stats.corrected} corrected, ${stats.retracted} retracted, ${stats.skipped} skipped, ${stats.invalid} invalid` +
        (stats.unresolved > 0 ? `, ${stats.unresolved} unresolved` : '');
}

const csvCell = (value: string | number | undefined) => {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

async function main(argv: string[]): Promise<number> {
  let cli: Cli | 'help';
  try {
    cli = parseCli(argv);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (cli === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const input = cli.file === '-' ? process.stdin : createReadStream(cli.file);
  let rejects: WriteStream | undefined;
  if (cli.rejects) {
    rejects = createWriteStream(cli.rejects);
    rejects.write('line,source_id,report_id,kind,reason\n');
  }
  const tty = process.stderr.isTTY;
  const onReject = (reject: RejectedRow) => {
    if (rejects) {
      rejects.write(
        `${[reject.line, reject.sourceId, reject.reportId, reject.kind, reject.reason].map(csvCell).join(',')}\n`,
      );
    } else if (reject.kind !== 'skipped') {
      process.stderr.write(
        `${tty ? '\r\x1b[K' : ''}line ${reject.line}${reject.reportId ? ` (${reject.reportId})` : reject.sourceId ? ` (id ${reject.sourceId})` : ''}: ${reject.kind}: ${reject.reason}\n`,
      );
    }
  };
  const baseUrl = (process.env.MONITOR_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const importer = new Importer({
    format: cli.format,
    input,
    mapper: { release: cli.release, theatres: cli.theatres, theatre: cli.theatre },
    api: cli.dryRun ? undefined : new MonitorApi(baseUrl, process.env.API_KEY || undefined),
    dryRun: cli.dryRun,
    completeRelease: cli.completeRelease,
    deletions: cli.deletions,
    batchSize: cli.batchSize,
    inFlight: cli.inFlight,
    onReject,
  });
  const progress = tty
    ? setInterval(
        () => process.stderr.write(`\r\x1b[K${formatStats(importer.stats, cli.dryRun)}`),
        250,
      )
    : undefined;
  let code: number;
  try {
    const stats = await importer.run();
    if (progress) process.stderr.write('\r\x1b[K');
    process.stdout.write(
      `${cli.dryRun ? 'Dry run, nothing sent. ' : ''}${formatStats(stats, cli.dryRun)}\n`,
    );
    for (const [reason, count] of [...stats.skippedReasons].sort((a, b) => b[1] - a[1])) {
      process.stdout.write(`  skipped ${count}: ${reason}\n`);
    }
    code = stats.invalid > 0 || stats.unresolved > 0 ? 1 : 0;
    if (code === 1) {
      process.stdout.write(
        `Some rows did not go in; ${cli.rejects ? `see ${cli.rejects}` : 'their lines and reasons are above'}.\n`,
      );
    }
  } catch (error) {
    if (progress) process.stderr.write('\r\x1b[K');
    if (error instanceof ImportAbort || error instanceof HeaderError) {
      process.stderr.write(
        `Import stopped: ${error.message}\n${formatStats(importer.stats, cli.dryRun)}\n`,
      );
      code = 1;
    } else if ((error as { code?: string }).code === 'ENOENT') {
      process.stderr.write(`${(error as Error).message}\n`);
      code = 2;
    } else if ((error as { code?: string }).code?.startsWith('CSV_')) {
      process.stderr.write(`Import stopped: the file is not CSV: ${(error as Error).message}\n`);
      code = 1;
    } else {
      throw error;
    }
  } finally {
    if (progress) clearInterval(progress);
    if (rejects) await new Promise((resolve) => rejects.end(resolve));
  }
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
