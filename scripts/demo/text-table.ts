/** A column of a text table: its header, how to read a row's cell, and its alignment. */
export interface Column<Row> {
  header: string;
  cell: (row: Row) => string | number | null | undefined;
  /** Numbers align right by default, text left. */
  align?: 'left' | 'right';
}

const GAP = '  ';
const NUMBER = new Intl.NumberFormat('en-US');

/** A number with thousands separators, text as is, nothing as an en dash. */
export function cellText(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '–';
  return typeof value === 'number' ? NUMBER.format(value) : value;
}

/**
 * Rows as an aligned plain-text table (a header, a rule, the rows), indented by two spaces:
 * readable in any terminal and in a README, unlike console.table's quoted cells and index
 * column. Cells are single lines; an empty list prints "(none)".
 */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  if (rows.length === 0) return `${GAP}(none)`;
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = column.cell(row);
      return { text: cellText(value).replace(/\s+/g, ' '), numeric: typeof value === 'number' };
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((row) => row[index].text.length)),
  );
  const alignRight = columns.map(
    (column, index) =>
      column.align === 'right' ||
      (!column.align && cells.every((row) => row[index].numeric || row[index].text === '–')),
  );
  const line = (texts: string[]): string =>
    (
      GAP +
      texts
        .map((text, index) =>
          alignRight[index] ? text.padStart(widths[index]) : text.padEnd(widths[index]),
        )
        .join(GAP)
    ).trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => '─'.repeat(width))),
    ...cells.map((row) => line(row.map((cell) => cell.text))),
  ].join('\n');
}

/**
 * Text wrapped at `width` columns: the first line starts with `first`, the others are indented
 * as deep, so that a numbered item reads as one block.
 */
export function wrap(text: string, width: number, first: string): string {
  const indent = ' '.repeat(first.length);
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const prefix = lines.length === 0 ? first : indent;
    if (current && prefix.length + current.length + 1 + word.length > width) {
      lines.push(prefix + current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push((lines.length === 0 ? first : indent) + current);
  return lines.join('\n');
}
