import type { CsvRow } from './csv-rows';
import { countryCodeOfName, countryCodeOfNumeric } from './countries';
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

/** The columns of ACLED's CSV export, in its order (used when there is no header). */
export const ACLED_COLUMNS = [
  'event_id_cnty',
  'event_date',
  'year',
  'time_precision',
  'disorder_type',
  'event_type',
  'sub_event_type',
  'actor1',
  'assoc_actor_1',
  'inter1',
  'actor2',
  'assoc_actor_2',
  'inter2',
  'interaction',
  'civilian_targeting',
  'iso',
  'region',
  'country',
  'admin1',
  'admin2',
  'admin3',
  'location',
  'latitude',
  'longitude',
  'geo_precision',
  'source',
  'source_scale',
  'notes',
  'fatalities',
  'tags',
  'timestamp',
] as const;

const REQUIRED = [
  'event_id_cnty',
  'event_date',
  'event_type',
  'sub_event_type',
  'country',
  'fatalities',
];

/** time_precision: 1 the day is known; 2 the week; 3 only the month. */
export const ACLED_TIME_PRECISION: Record<string, OccurredPrecision> = {
  '1': 'day',
  '2': 'week',
  '3': 'month',
};

/**
 * geo_precision: 1 the town itself; 2 a part of a region, the nearest town coded; 3 a larger
 * region, its capital coded.
 */
export const ACLED_GEO_PRECISION: Record<string, LocationPrecision> = {
  '1': 'exact',
  '2': 'near',
  '3': 'region',
};

/**
 * Why a row without fatalities files nothing, by sub-event type where one is close to a
 * report type of the contract but lacks what that type requires.
 */
const NEAR_MISSES: Record<string, string> = {
  'headquarters or base established':
    'a deployment needs personnel or equipment counts, which ACLED does not give',
  'non-violent transfer of territory':
    'a deployment needs personnel or equipment counts, which ACLED does not give',
  agreement:
    'a sanction demand needs the sanctions (imposed by, target, measure), which ACLED does not give',
};

const SOURCE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** The default theatre: the country as a slug (ACLED files by country). */
export function acledTheatre(country: string, iso: string): string {
  return slugOf(country) ?? `acled-${iso || 'unknown'}`;
}

export class AcledMapper implements RowMapper {
  readonly format = 'acled' as const;
  private readonly columns = new Columns(ACLED_COLUMNS, ['event_id_cnty', 'event_date'], REQUIRED);

  constructor(private readonly options: MapperOptions) {}

  map(row: CsvRow): RowResult {
    const header = this.columns.takeHeader(row.fields);
    if (header === 'header') return { kind: 'header' };
    if (header) throw new HeaderError(header);
    const misfit = this.columns.misfit(row.fields);
    if (misfit) return { kind: 'invalid', reason: misfit };
    const get = this.columns.reader(row.fields);
    const id = get('event_id_cnty');
    return guarded(id || undefined, () => this.mapEvent(id, get));
  }

  private mapEvent(id: string, get: (name: string) => string): RowResult {
    if (!SOURCE_ID.test(id)) throw new RowError(`event_id_cnty "${id}" is not an ACLED event id`);
    const occurred = parseDay(get('event_date'), 'event_date');
    const fatalities = parseCount(get('fatalities'), 'fatalities');
    const subEvent = get('sub_event_type');
    if (fatalities === 0) {
      const why = NEAR_MISSES[subEvent.toLowerCase()];
      return {
        kind: 'skipped',
        sourceId: id,
        reason: why
          ? `${subEvent}: ${why}`
          : `no fatalities (${get('event_type')}: ${subEvent}): no report type for it`,
      };
    }
    const timePrecision = get('time_precision');
    const occurredPrecision =
      timePrecision === ''
        ? 'day'
        : parseCode(timePrecision, 'time_precision', ACLED_TIME_PRECISION);

    const countryName = get('country');
    const iso = get('iso');
    const country = countryCodeOfNumeric(iso) ?? countryCodeOfName(countryName);
    const coordinates = parseCoordinates(get('latitude'), get('longitude'));
    let location: Record<string, unknown> | undefined;
    if (coordinates) {
      if (!country) {
        throw new RowError(
          `country "${countryName}" (iso ${iso || 'empty'}) has no ISO 3166-1 code known to the importer`,
        );
      }
      const precisionCode = get('geo_precision');
      const precision =
        precisionCode === ''
          ? 'near'
          : parseCode(precisionCode, 'geo_precision', ACLED_GEO_PRECISION);
      const name =
        get('location') || get('admin3') || get('admin2') || get('admin1') || countryName;
      location = { name: bounded(name || 'unnamed', 200), country, ...coordinates, precision };
    }

    // `timestamp` is when ACLED last uploaded the row (Unix seconds): its publication.
    const timestamp = get('timestamp');
    let reported = occurred;
    if (timestamp !== '') {
      if (!/^\d+$/.test(timestamp))
        throw new RowError(`timestamp "${timestamp}" is not Unix seconds`);
      reported = new Date(Math.max(Number(timestamp) * 1000, occurred.getTime()));
    }

    // ACLED's fatalities are the event's, not split by actor: civilians when the event
    // targeted them, else of unknown side (as UCDP's deaths_unknown).
    const civilian =
      /civilian targeting/i.test(get('civilian_targeting')) ||
      /^violence against civilians$/i.test(get('event_type'));
    const theatre =
      this.options.theatre ??
      this.options.theatres.lookup(countryName, iso) ??
      acledTheatre(countryName, iso);
    const report: MappedReport = {
      reportId: `acled:${id}`,
      type: 'casualty',
      theatre,
      occurredAt: occurred.toISOString(),
      occurredPrecision,
      reportedAt: reported.toISOString(),
      source: {
        name: this.options.release,
        kind: 'ngo',
        reliability: 'B',
        credibility: 2,
      },
      ...(location ? { location } : {}),
      details: {
        party: civilian ? (country ?? 'civilians') : 'unknown',
        category: 'killed',
        civilian,
        count: { best: fatalities },
        cumulative: false,
      },
    };
    return { kind: 'reports', sourceId: id, reports: [report] };
  }
}
