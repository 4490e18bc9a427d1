/** What a report list answers in: JSON pages, or the whole list as CSV or GeoJSON. */
export type ReportListFormat = 'json' | 'csv' | 'geojson';

const MEDIA_TYPES: readonly [ReportListFormat, string][] = [
  ['json', 'application/json'],
  ['csv', 'text/csv'],
  ['geojson', 'application/geo+json'],
];

export const MEDIA_TYPE_OF_FORMAT: Record<ReportListFormat, string> = Object.fromEntries(
  MEDIA_TYPES,
) as Record<ReportListFormat, string>;

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((piece) => piece.trim());
      if (name === 'q') {
        const parsed = Number(value);
        q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * Content negotiation of the report lists (RFC 9110 section 12.5.1): each format gets the q of
 * the most specific range that matches it (type/subtype, then type/*, then * / *), the highest
 * q wins, and between equal q the more specific match (`text/csv, * / *` is CSV). JSON stays the
 * default: no Accept, `* / *`, or nothing we can give (a 406 would only break clients that
 * send odd Accept headers and read JSON today).
 */
export function negotiateReportFormat(accept: string | undefined): ReportListFormat {
  if (!accept) return 'json';
  const ranges = parseAccept(accept);
  let chosen: ReportListFormat = 'json';
  let chosenScore = [0, -1];
  for (const [format, mediaType] of MEDIA_TYPES) {
    const [type, subtype] = mediaType.split('/');
    let best: [number, number] | undefined;
    for (const range of ranges) {
      const specificity =
        range.type === type && range.subtype === subtype
          ? 2
          : range.type === type && range.subtype === '*'
            ? 1
            : range.type === '*' && range.subtype === '*'
              ? 0
              : -1;
      if (specificity < 0) continue;
      if (!best || specificity > best[1]) best = [range.q, specificity];
    }
    if (!best || best[0] === 0) continue;
    if (best[0] > chosenScore[0] || (best[0] === chosenScore[0] && best[1] > chosenScore[1])) {
      chosen = format;
      chosenScore = best;
    }
  }
  return chosen;
}
