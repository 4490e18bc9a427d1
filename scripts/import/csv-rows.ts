import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';

/** One record of a CSV file and the line it starts on (1-based, as an editor shows it). */
export interface CsvRow {
  line: number;
  fields: string[];
}

const LINE_BREAKS = /\r\n|\r|\n/g;

/** Line breaks inside a record's quoted fields (CRLF counts once). */
function breaksInside(fields: string[]): number {
  let count = 0;
  for (const field of fields) {
    if (field.indexOf('\n') < 0 && field.indexOf('\r') < 0) continue;
    count += field.match(LINE_BREAKS)?.length ?? 0;
  }
  return count;
}

/**
 * The records of a CSV stream, one at a time, with their first line's number: csv-parse
 * (RFC 4180 quoting, quoted commas and line breaks, a byte-order mark, CRLF or LF) reads the
 * stream in chunks, and the `for await` of the caller is its back-pressure, so memory stays
 * the same whatever the file's size. Rows with too few or too many fields are passed on (the
 * mappers reject them with their line) rather than failing the whole file. Lines are counted
 * here, from the line breaks inside each record's fields: csv-parse's own count (`info`)
 * goes astray on CRLF inside quotes, and its `raw` text costs a sixth of the parsing time.
 * Empty lines come through as one empty field and are passed over.
 */
export async function* csvRows(input: Readable): AsyncGenerator<CsvRow> {
  const parser = input.pipe(parse({ bom: true, relax_column_count: true }));
  input.on('error', (error) => parser.destroy(error));
  let line = 1;
  for await (const fields of parser as AsyncIterable<string[]>) {
    const first = line;
    line += 1 + breaksInside(fields);
    if (fields.length === 1 && fields[0] === '') continue;
    yield { line: first, fields };
  }
}
