import type { CsvRow } from './csv-rows';
import { countryCodeOfName } from './countries';
import { apportion } from './apportion';
import {
  bounded,
  Columns,
  guarded,
  HeaderError,
  parseCode,
  parseCoordinates,
  parseCount,
  parseDay,
  RowError,
  type LocationPrecision,
  type MappedReport,
  type MapperOptions,
  type OccurredPrecision,
  type RowMapper,
  type RowResult,
} from './mapping';
import { slugOf } from './slug';

/** The 49 columns of UCDP GED's CSV, in the codebook's order (used when there is no header). */
export const UCDP_GED_COLUMNS = [
  'id',
  'relid',
  'year',
  'active_year',
  'code_status',
  'type_of_violence',
  'conflict_dset_id',
  'conflict_new_id',
  'conflict_name',
  'dyad_dset_id',
  'dyad_new_id',
  'dyad_name',
  'side_a_dset_id',
  'side_a_new_id',
  'side_a',
  'side_b_dset_id',
  'side_b_new_id',
  'side_b',
  'number_of_sources',
  'source_article',
  'source_office',
  'source_date',
  'source_headline',
  'source_original',
  'where_prec',
  'where_coordinates',
  'where_description',
  'adm_1',
  'adm_2',
  'latitude',
  'longitude',
  'geom_wkt',
  'priogrid_gid',
  'country',
  'country_id',
  'region',
  'event_clarity',
  'date_prec',
  'date_start',
  'date_end',
  'deaths_a',
  'deaths_b',
  'deaths_civilians',
  'deaths_unknown',
  'best',
  'high',
  'low',
  'gwnoa',
  'gwnob',
] as const;

const REQUIRED = [
  'id',
  'conflict_new_id',
  'conflict_name',
  'side_a',
  'side_b',
  'where_prec',
  'latitude',
  'longitude',
  'country',
  'date_prec',
  'date_start',
  'date_end',
  'deaths_a',
  'deaths_b',
  'deaths_civilians',
  'deaths_unknown',
];

/**
 * date_prec: 1 the day is known; 2 within 2-6 days; 3 the week; 4 the month; 5 the year or
 * a longer span. The contract's coarsest precision is a month, so 5 is `month` too (date_start
 * is kept, the start of UCDP's span); docs/IMPORT.md says so.
 */
export const UCDP_DATE_PRECISION: Record<string, OccurredPrecision> = {
  '1': 'day',
  '2': 'week',
  '3': 'week',
  '4': 'month',
  '5': 'month',
};

/**
 * where_prec: 1 the exact place; 2 within about 25 km; 3 a second-order administrative
 * division; 4 a first-order one; 5 a larger area (a road or river between places, parts of
 * several provinces); 6 only the country; 7 international waters or airspace.
 */
export const UCDP_WHERE_PRECISION: Record<string, LocationPrecision> = {
  '1': 'exact',
  '2': 'near',
  '3': 'region',
  '4': 'region',
  '5': 'region',
  '6': 'country',
  '7': 'sea',
};

/** Source ids are UCDP's numeric event ids; anything the report-id pattern cannot hold is refused. */
const SOURCE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** UCDP's actor for a government: "Government of Russia (Soviet Union)" is RU. */
export function ucdpActor(name: string, newId: string): string {
  const government = /^government of (.+)$/i.exec(name.trim());
  if (government) {
    const code = countryCodeOfName(government[1]);
    if (code) return code;
  }
  return slugOf(name) ?? (newId ? `ucdp-actor-${newId}` : 'unknown');
}

/** The default theatre: the conflict's name as a slug, or its UCDP id. */
export function ucdpTheatre(conflictName: string, conflictId: string): string {
  return slugOf(conflictName) ?? `ucdp-conflict-${conflictId}`;
}

export class UcdpGedMapper implements RowMapper {
  readonly format = 'ucdp-ged' as const;
  private readonly columns = new Columns(UCDP_GED_COLUMNS, ['id', 'relid', 'deaths_a'], REQUIRED);

  constructor(private readonly options: MapperOptions) {}

  map(row: CsvRow): RowResult {
    const header = this.columns.takeHeader(row.fields);
    if (header === 'header') return { kind: 'header' };
    if (header) throw new HeaderError(header);
    const misfit = this.columns.misfit(row.fields);
    if (misfit) return { kind: 'invalid', reason: misfit };
    const get = this.columns.reader(row.fields);
    const id = get('id');
    return guarded(id || undefined, () => this.mapEvent(id, get));
  }

  private mapEvent(id: string, get: (name: string) => string): RowResult {
    if (!SOURCE_ID.test(id)) throw new RowError(`id "${id}" is not a UCDP event id`);
    const start = parseDay(get('date_start'), 'date_start');
    const endText = get('date_end');
    const end = endText === '' ? start : parseDay(endText, 'date_end');
    const occurredPrecision = parseCode(get('date_prec'), 'date_prec', UCDP_DATE_PRECISION);
    const deaths = {
      a: parseCount(get('deaths_a'), 'deaths_a'),
      b: parseCount(get('deaths_b'), 'deaths_b'),
      civilians: parseCount(get('deaths_civilians'), 'deaths_civilians'),
      unknown: parseCount(get('deaths_unknown'), 'deaths_unknown'),
    };
    const sum = deaths.a + deaths.b + deaths.civilians + deaths.unknown;
    const low = optionalCount(get('low'), 'low');
    const high = optionalCount(get('high'), 'high');
    if (low !== undefined && high !== undefined && low > high) {
      throw new RowError(`low ${low} is above high ${high}`);
    }

    const countryName = get('country');
    const country = countryCodeOfName(countryName);
    const coordinates = parseCoordinates(get('latitude'), get('longitude'));
    let location: Record<string, unknown> | undefined;
    if (coordinates) {
      if (!country) {
        throw new RowError(`country "${countryName}" has no ISO 3166-1 code known to the importer`);
      }
      const precision = parseCode(get('where_prec'), 'where_prec', UCDP_WHERE_PRECISION);
      const name =
        get('where_coordinates') || get('adm_2') || get('adm_1') || countryName || 'unnamed';
      location = { name: bounded(name, 200), country, ...coordinates, precision };
    }

    const theatre =
      this.options.theatre ??
      this.options.theatres.lookup(get('conflict_new_id'), get('conflict_name')) ??
      ucdpTheatre(get('conflict_name'), get('conflict_new_id'));
    const clarity = get('event_clarity');
    const common = {
      type: 'casualty',
      theatre,
      occurredAt: start.toISOString(),
      occurredPrecision,
      // UCDP gives no publication date per event that can be read reliably (source_date is a
      // list); the end of the event's span is the earliest it can have been reported in full.
      reportedAt: new Date(Math.max(start.getTime(), end.getTime())).toISOString(),
      source: {
        name: this.options.release,
        kind: 'other',
        reliability: 'B',
        // event_clarity 1: the event is clearly described; 2: it is an aggregate or unclear.
        credibility: clarity === '2' ? 3 : 2,
      },
      ...(location ? { location } : {}),
    };

    const civilianParty = country ?? 'civilians';
    const sideA = sideParty(get('side_a'), get('side_a_new_id'), civilianParty);
    const sideB = sideParty(get('side_b'), get('side_b_new_id'), civilianParty);
    const parts = [
      { suffix: 'a', ...sideA, best: deaths.a },
      { suffix: 'b', ...sideB, best: deaths.b },
      { suffix: 'civilians', party: civilianParty, civilian: true, best: deaths.civilians },
      // An event whose deaths are all unknown keeps its low and high on this report.
      { suffix: 'unknown', party: 'unknown', civilian: false, best: deaths.unknown },
    ];
    const weights = sum === 0 ? [0, 0, 0, 1] : parts.map((part) => part.best);
    const lows = low === undefined ? undefined : apportion(Math.min(low, sum), weights);
    const highs = high === undefined ? undefined : apportion(Math.max(high, sum), weights);

    const reports: MappedReport[] = [];
    parts.forEach((part, index) => {
      const count: Record<string, number> = { best: part.best };
      if (lows) count.low = Math.min(lows[index], part.best);
      if (highs) count.high = Math.max(highs[index], part.best);
      if (part.best === 0 && (count.high ?? 0) === 0) return;
      reports.push({
        reportId: `ucdp-ged:${id}:${part.suffix}`,
        ...common,
        details: {
          party: part.party,
          category: 'killed',
          civilian: part.civilian,
          count,
          cumulative: false,
        },
      });
    });
    if (reports.length === 0) return { kind: 'skipped', sourceId: id, reason: 'no deaths' };
    return { kind: 'reports', sourceId: id, reports };
  }
}

/** A side of the dyad; one-sided violence has "Civilians" as side_b. */
function sideParty(
  name: string,
  newId: string,
  civilianParty: string,
): { party: string; civilian: boolean } {
  if (/^civilians$/i.test(name.trim())) return { party: civilianParty, civilian: true };
  return { party: ucdpActor(name, newId), civilian: false };
}

function optionalCount(text: string, column: string): number | undefined {
  return text === '' ? undefined : parseCount(text, column);
}
