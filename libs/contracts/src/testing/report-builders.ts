import type { ReportType } from '../report-vocabulary';
import type { ReportDetails, ReportOfType } from '../report.types';

/**
 * Valid report bodies, as a client would send them, for tests anywhere in the project. Each
 * call returns a fresh object, so tests may mutate it. Overrides replace top-level fields and
 * merge into `details` one level deep; an override of `undefined` removes the field.
 *
 * The examples follow public reporting of 2024-25; their numbers are illustrations, not data.
 */
export type ReportOverrides<T extends ReportType> = Partial<
  Omit<ReportOfType<T>, 'details'> & { details: Partial<ReportDetails<T>> }
>;

/** North Korean troops arriving in Russia's Kursk region to fight for Russia. */
export function aDeploymentReport(
  overrides: ReportOverrides<'deployment'> = {},
): ReportOfType<'deployment'> {
  return build(
    {
      reportId: 'hur-kp-troops-kursk-2024-11-04',
      type: 'deployment',
      theatre: 'russia-ukraine',
      occurredAt: '2024-11-04T00:00:00.000Z',
      occurredPrecision: 'day',
      reportedAt: '2024-11-05T09:30:00.000Z',
      source: {
        name: 'Defence Intelligence of Ukraine (HUR)',
        kind: 'intelligence',
        reliability: 'B',
        credibility: 2,
        url: 'https://gur.gov.ua/en',
      },
      location: {
        name: 'Kursk oblast',
        country: 'RU',
        lat: 51.73,
        lon: 36.19,
        precision: 'region',
      },
      details: {
        actor: 'KP',
        supporting: 'RU',
        movement: 'arrival',
        personnel: { low: 10000, best: 11000, high: 12000 },
        equipment: [
          { category: 'artillery', quantity: { best: 50 }, description: 'Koksan 170 mm guns' },
          { category: 'mrl', quantity: { best: 20 }, description: '240 mm rocket launchers' },
        ],
      },
    },
    overrides,
  );
}

/** Ukraine's running total of North Korean soldiers killed or wounded in the Kursk region. */
export function aCasualtyReport(
  overrides: ReportOverrides<'casualty'> = {},
): ReportOfType<'casualty'> {
  return build(
    {
      reportId: 'ua-president-kp-losses-2024-12-23',
      type: 'casualty',
      theatre: 'russia-ukraine',
      occurredAt: '2024-12-23T00:00:00.000Z',
      occurredPrecision: 'week',
      reportedAt: '2024-12-23T18:00:00.000Z',
      source: {
        name: 'Office of the President of Ukraine',
        kind: 'government',
        reliability: 'C',
        credibility: 3,
      },
      location: {
        name: 'Kursk oblast',
        country: 'RU',
        lat: 51.73,
        lon: 36.19,
        precision: 'region',
      },
      details: {
        party: 'KP',
        category: 'killed_or_wounded',
        civilian: false,
        count: { low: 2500, best: 3000, high: 3500 },
        cumulative: true,
      },
    },
    overrides,
  );
}

/** Ukraine accusing Russia of a drone strike on Odesa's port under the Black Sea ceasefire. */
export function aViolationReport(
  overrides: ReportOverrides<'ceasefire_violation'> = {},
): ReportOfType<'ceasefire_violation'> {
  return build(
    {
      reportId: 'ua-navy-odesa-port-drones-2025-04-02',
      type: 'ceasefire_violation',
      theatre: 'russia-ukraine',
      occurredAt: '2025-04-02T01:30:00.000Z',
      occurredPrecision: 'hour',
      reportedAt: '2025-04-02T07:15:00.000Z',
      source: { name: 'Ukrainian Navy', kind: 'military', reliability: 'B', credibility: 3 },
      location: {
        name: 'Odesa port',
        country: 'UA',
        lat: 46.4925,
        lon: 30.7443,
        precision: 'near',
      },
      details: {
        ceasefire: 'black-sea-maritime',
        accusedParty: 'RU',
        accusingParty: 'UA',
        means: 'drone',
        target: 'port infrastructure',
        description: 'Shahed-type drones struck grain terminals in Odesa port overnight.',
      },
    },
    overrides,
  );
}

/** Russia demanding the EU reconnect Rosselkhozbank to SWIFT before the Black Sea ceasefire. */
export function aSanctionDemandReport(
  overrides: ReportOverrides<'sanction_demand'> = {},
): ReportOfType<'sanction_demand'> {
  return build(
    {
      reportId: 'kremlin-rosselkhozbank-swift-2025-03-25',
      type: 'sanction_demand',
      theatre: 'russia-ukraine',
      occurredAt: '2025-03-25T00:00:00.000Z',
      occurredPrecision: 'day',
      reportedAt: '2025-03-25T19:00:00.000Z',
      source: {
        name: 'Kremlin press service',
        kind: 'government',
        reliability: 'A',
        credibility: 1,
        url: 'http://en.kremlin.ru/events/president/news',
      },
      details: {
        demandingParty: 'RU',
        sanctions: [{ imposedBy: 'EU', target: 'Rosselkhozbank', measure: 'SWIFT disconnection' }],
        demand: 'lift',
        condition: { kind: 'precondition_for_ceasefire', ceasefire: 'black-sea-maritime' },
      },
    },
    overrides,
  );
}

function build<T extends ReportType>(
  defaults: ReportOfType<T>,
  overrides: ReportOverrides<T>,
): ReportOfType<T> {
  const { details, ...envelope } = overrides;
  const report = withoutUndefined({ ...defaults, ...envelope }) as Record<string, unknown>;
  report.details = withoutUndefined({ ...defaults.details, ...details });
  // A deep copy, so that a test mutating its report cannot touch another's.
  return structuredClone(report) as unknown as ReportOfType<T>;
}

function withoutUndefined(object: object): object {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
