import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';

/** One record of a CSV file and the line it starts on (1-based, as an editor shows it). */
export interface CsvRow {
  line: number;
  fields: string[];
}

const LINE_BREAKS = /\r\n|\r|\n/g;
const LEADING_BREAKS = /^(?:\r\n|\r|\n)+/;

function countBreaks(text: string): number {
  let count = 0;
  LINE_BREAKS.lastIndex = 0;
  while (LINE_BREAKS.exec(text)) count++;
  return count;
}

/**
 * The records of a CSV stream, one at a time, with their first line's number: csv-parse
 * (RFC 4180 quoting, quoted commas and line breaks, a byte-order mark, CRLF or LF) reads the
 * stream in chunks, and the `for await` of the caller is its back-pressure, so memory stays
 * the same whatever the file's size. Rows with too few or too many fields are passed on (the
 * mappers reject them with their line) rather than failing the whole file. csv-parse's own
 * line count goes astray on CRLF inside quotes, so lines are counted from each record's raw
 * text: the breaks before it (skipped empty lines) and inside it.
 */
export async function* csvRows(input: Readable): AsyncGenerator<CsvRow> {
  const parser = input.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      raw: true,
    }),
  );
  input.on('error', (error) => parser.destroy(error));
  let next = 1;
  for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
    const leading = LEADING_BREAKS.exec(raw)?.[0] ?? '';
    const line = next + countBreaks(leading);
    next += countBreaks(raw);
    // A file without a final line break ends its last record without one.
    if (!/[\r\n]$/.test(raw)) next++;
    yield { line, fields: record };
  }
}
