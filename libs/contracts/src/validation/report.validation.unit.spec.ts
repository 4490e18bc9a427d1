import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
  reverseKeys,
} from '../testing';
import { canonicalJson } from '../canonical-json';
import { LIMITS } from '../report-vocabulary';
import { validateReport } from './report.validation';
import type { FieldError } from './validation-result';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

const validate = (input: unknown, now: Date = NOW) => validateReport(input, { now });

function errorsOf(input: unknown, now: Date = NOW): FieldError[] {
  const result = validate(input, now);
  return result.ok ? [] : result.errors;
}

const pathsOf = (input: unknown, now: Date = NOW) => errorsOf(input, now).map((e) => e.path);

const builders = {
  deployment: aDeploymentReport,
  casualty: aCasualtyReport,
  ceasefire_violation: aViolationReport,
  sanction_demand: aSanctionDemandReport,
} as const;

type Mutation = (report: any) => void;

/** Given a valid report of `type`, when `mutate` breaks it, then the only error is at `path`. */
function expectOnlyErrorAt(type: keyof typeof builders, mutate: Mutation, path: string) {
  const report: any = builders[type]();
  mutate(report);
  const errors = errorsOf(report);
  expect(errors.map((error) => error.path)).toEqual([path]);
  expect(errors[0].message).toEqual(expect.any(String));
  expect(errors[0].message.length).toBeGreaterThan(0);
}

function expectValid(type: keyof typeof builders, mutate: Mutation) {
  const report: any = builders[type]();
  mutate(report);
  expect(errorsOf(report)).toEqual([]);
}

describe('validateReport', () => {
  describe('given a valid report of each type', () => {
    it.each([
      ['deployment: North Korean troops arriving in Russia', aDeploymentReport],
      ['casualty: North Korean losses in the Kursk region', aCasualtyReport],
      ['ceasefire_violation: a drone strike under the Black Sea ceasefire', aViolationReport],
      ['sanction_demand: Rosselkhozbank back on SWIFT', aSanctionDemandReport],
    ])('then %s is accepted as sent', (_name, build) => {
      const report = build();
      expect(validate(report)).toEqual({ ok: true, value: report });
    });

    it('then the value is a new plain object and the input is left untouched', () => {
      const report = aDeploymentReport();
      const before = structuredClone(report);
      const result = validate(deepFreeze(report));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value).not.toBe(report);
      expect(result.value.details).not.toBe(report.details);
      expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(result.value.source)).toBe(Object.prototype);
      expect(report).toEqual(before);
    });
  });

  describe('normalisation (so that equal content hashes equally)', () => {
    it('when the dates carry an offset or no milliseconds, then they become toISOString', () => {
      const report = aCasualtyReport({
        occurredAt: '2024-12-23T02:00:00+02:00',
        reportedAt: '2024-12-23T13:00:00.5-05:00',
      });
      const result = validate(report);
      expect(result.ok && result.value.occurredAt).toBe('2024-12-23T00:00:00.000Z');
      expect(result.ok && result.value.reportedAt).toBe('2024-12-23T18:00:00.500Z');
    });

    it('when occurredPrecision is absent or null, then it is day', () => {
      const absent = aViolationReport({ occurredPrecision: undefined });
      const nulled = { ...aViolationReport(), occurredPrecision: null };
      for (const report of [absent, nulled]) {
        const result = validate(report);
        expect(result.ok && result.value.occurredPrecision).toBe('day');
      }
    });

    it('when optional fields are null, then they are left out', () => {
      const report: any = aDeploymentReport();
      report.location = null;
      report.source.url = null;
      report.details.supporting = null;
      report.details.personnel.high = null;
      report.details.equipment[0].description = null;
      const result = validate(report);
      expect(result.ok).toBe(true);
      if (!result.ok || result.value.type !== 'deployment') return;
      expect('location' in result.value).toBe(false);
      expect('url' in result.value.source).toBe(false);
      expect('supporting' in result.value.details).toBe(false);
      expect(result.value.details.personnel).toEqual({ low: 10000, best: 11000 });
      expect(result.value.details.equipment?.[0]).toEqual({
        category: 'artillery',
        quantity: { best: 50 },
      });
    });
  });

  describe('key order of the normalised report', () => {
    it('given each type, then every object has its keys in sorted order (canonicalJson is JSON.stringify)', () => {
      for (const build of Object.values(builders)) {
        const result = validate(reverseKeys(build()));
        expect(result.ok).toBe(true);
        if (!result.ok) continue;
        expect(JSON.stringify(result.value)).toBe(canonicalJson(reverseKeys(result.value)));
      }
    });
  });

  describe('given a body that is not an object', () => {
    it.each([[null], [undefined], [[]], ['text'], [42], [true]])(
      'when it is %p, then one error is at the root path ""',
      (input) => {
        expect(errorsOf(input)).toEqual([{ path: '', message: 'must be a JSON object' }]);
      },
    );
  });

  describe('envelope rules: each bad value is rejected at its path', () => {
    it.each<[string, Mutation, string]>([
      ['reportId missing', (r) => delete r.reportId, 'reportId'],
      ['reportId empty', (r) => (r.reportId = ''), 'reportId'],
      ['reportId of 129 characters', (r) => (r.reportId = 'a'.repeat(129)), 'reportId'],
      ['reportId with a space', (r) => (r.reportId = 'kp troops'), 'reportId'],
      ['reportId with a slash', (r) => (r.reportId = 'kp/troops'), 'reportId'],
      ['reportId not a string', (r) => (r.reportId = 42), 'reportId'],
      ['type missing', (r) => delete r.type, 'type'],
      ['type unknown', (r) => (r.type = 'skirmish'), 'type'],
      ['theatre missing', (r) => delete r.theatre, 'theatre'],
      ['theatre upper-case', (r) => (r.theatre = 'Russia-Ukraine'), 'theatre'],
      ['theatre of 1 character', (r) => (r.theatre = 'r'), 'theatre'],
      ['theatre of 65 characters', (r) => (r.theatre = 'r'.repeat(65)), 'theatre'],
      ['theatre with an underscore', (r) => (r.theatre = 'russia_ukraine'), 'theatre'],
      ['occurredAt missing', (r) => delete r.occurredAt, 'occurredAt'],
      ['occurredAt month 13, day 45', (r) => (r.occurredAt = '2024-13-45T00:00:00Z'), 'occurredAt'],
      ['occurredAt 30 February', (r) => (r.occurredAt = '2024-02-30T00:00:00Z'), 'occurredAt'],
      ['occurredAt date only', (r) => (r.occurredAt = '2024-11-04'), 'occurredAt'],
      ['occurredAt without zone', (r) => (r.occurredAt = '2024-11-04T10:00:00'), 'occurredAt'],
      ['occurredAt not a date', (r) => (r.occurredAt = 'last Tuesday'), 'occurredAt'],
      ['occurredAt a number', (r) => (r.occurredAt = 1730678400000), 'occurredAt'],
      ['occurredPrecision unknown', (r) => (r.occurredPrecision = 'year'), 'occurredPrecision'],
      ['reportedAt missing', (r) => delete r.reportedAt, 'reportedAt'],
      ['reportedAt hour 24', (r) => (r.reportedAt = '2024-11-05T24:00:00Z'), 'reportedAt'],
      ['source missing', (r) => delete r.source, 'source'],
      ['source a list', (r) => (r.source = []), 'source'],
      ['source a string', (r) => (r.source = 'HUR'), 'source'],
      ['source.name missing', (r) => delete r.source.name, 'source.name'],
      ['source.name empty', (r) => (r.source.name = ''), 'source.name'],
      ['source.name blank', (r) => (r.source.name = '   '), 'source.name'],
      ['source.name of 201 characters', (r) => (r.source.name = 'n'.repeat(201)), 'source.name'],
      ['source.kind unknown', (r) => (r.source.kind = 'blog'), 'source.kind'],
      ['source.kind missing', (r) => delete r.source.kind, 'source.kind'],
      ['source.reliability G', (r) => (r.source.reliability = 'G'), 'source.reliability'],
      ['source.reliability lower-case', (r) => (r.source.reliability = 'b'), 'source.reliability'],
      ['source.credibility 0', (r) => (r.source.credibility = 0), 'source.credibility'],
      ['source.credibility 7', (r) => (r.source.credibility = 7), 'source.credibility'],
      ['source.credibility 2.5', (r) => (r.source.credibility = 2.5), 'source.credibility'],
      ['source.credibility "2"', (r) => (r.source.credibility = '2'), 'source.credibility'],
      ['source.url not a URL', (r) => (r.source.url = 'not a url'), 'source.url'],
      ['source.url ftp', (r) => (r.source.url = 'ftp://gur.gov.ua/x'), 'source.url'],
      ['source.url without scheme', (r) => (r.source.url = 'gur.gov.ua/en'), 'source.url'],
      ['location a string', (r) => (r.location = 'Kursk'), 'location'],
      ['location.name missing', (r) => delete r.location.name, 'location.name'],
      ['location.country lower-case', (r) => (r.location.country = 'ru'), 'location.country'],
      ['location.country not a code', (r) => (r.location.country = 'XX'), 'location.country'],
      ['location.country alpha-3', (r) => (r.location.country = 'RUS'), 'location.country'],
      ['location.country missing', (r) => delete r.location.country, 'location.country'],
      ['location.lat 90.1', (r) => (r.location.lat = 90.1), 'location.lat'],
      ['location.lat -91', (r) => (r.location.lat = -91), 'location.lat'],
      ['location.lat a string', (r) => (r.location.lat = '51.7'), 'location.lat'],
      ['location.lon 180.5', (r) => (r.location.lon = 180.5), 'location.lon'],
      ['location.lon -181', (r) => (r.location.lon = -181), 'location.lon'],
      ['location.precision unknown', (r) => (r.location.precision = 'city'), 'location.precision'],
      ['details missing', (r) => delete r.details, 'details'],
      ['details a list', (r) => (r.details = []), 'details'],
      ['details a string', (r) => (r.details = 'troops'), 'details'],
    ])('when %s', (_name, mutate, path) => {
      expectOnlyErrorAt('deployment', mutate, path);
    });

    it.each<[string, Mutation]>([
      ['reportId of 128 characters', (r) => (r.reportId = 'a'.repeat(128))],
      ['reportId of all allowed characters', (r) => (r.reportId = 'AZaz09._:-')],
      ['theatre of 2 and of 64 characters', (r) => (r.theatre = 'r'.repeat(64))],
      ['location absent', (r) => delete r.location],
      ['source.url absent', (r) => delete r.source.url],
      ['lat and lon at their bounds', (r) => Object.assign(r.location, { lat: -90, lon: 180 })],
      ['location.country XK (Kosovo)', (r) => (r.location.country = 'XK')],
      ['each occurredPrecision', (r) => (r.occurredPrecision = 'month')],
      ['a lower-case t and z', (r) => (r.occurredAt = '2024-11-04t00:00:00z')],
      ['a leap day', (r) => (r.occurredAt = '2024-02-29T00:00:00Z')],
      ['nanoseconds', (r) => (r.occurredAt = '2024-11-04T00:00:00.123456789Z')],
    ])('when %s, then it is accepted', (_name, mutate) => {
      expectValid('deployment', mutate);
    });

    it('when the type is unknown, then details are not judged (there is no class for them)', () => {
      const report: any = aDeploymentReport();
      report.type = 'skirmish';
      report.details = { anything: true };
      expect(pathsOf(report)).toEqual(['type']);
    });

    it('when the details are of another type, then they are judged as the declared type', () => {
      const report: any = aSanctionDemandReport();
      report.type = 'deployment';
      expect(pathsOf(report).sort()).toEqual([
        'details.actor',
        'details.condition',
        'details.demand',
        'details.demandingParty',
        'details.movement',
        'details.personnel',
        'details.sanctions',
      ]);
    });

    it('when several fields are wrong, then every one is reported at once', () => {
      const report: any = aCasualtyReport();
      report.reportId = '';
      report.source.credibility = 9;
      report.details.count = { low: 10, best: 5 };
      expect(pathsOf(report)).toEqual(['reportId', 'source.credibility', 'details.count.low']);
    });

    it('when a value breaks several rules, then the message names the first (its type)', () => {
      const report: any = aCasualtyReport();
      report.details.count.best = 'many';
      report.reportId = undefined;
      expect(errorsOf(report)).toEqual([
        { path: 'reportId', message: 'is required' },
        { path: 'details.count.best', message: 'must be an integer' },
      ]);
    });
  });

  describe('clock rules', () => {
    const reportedAt = '2024-11-05T09:30:00.000Z';
    const reportedMs = Date.parse(reportedAt);
    const at = (ms: number) => new Date(ms).toISOString();

    it('given occurredAt exactly reportedAt + 1 day, then it is accepted', () => {
      const report = aDeploymentReport({ reportedAt, occurredAt: at(reportedMs + DAY_MS) });
      expect(errorsOf(report)).toEqual([]);
    });

    it('given occurredAt 1 ms after reportedAt + 1 day, then occurredAt is rejected', () => {
      const report = aDeploymentReport({ reportedAt, occurredAt: at(reportedMs + DAY_MS + 1) });
      expect(errorsOf(report)).toEqual([
        { path: 'occurredAt', message: 'must not be later than reportedAt + 1 day' },
      ]);
    });

    it('given the rule across zones, then it compares instants, not text', () => {
      // 2024-11-06T11:30+02:00 is 09:30Z: exactly one day after reportedAt.
      const report = aDeploymentReport({ reportedAt, occurredAt: '2024-11-06T11:30:00+02:00' });
      expect(errorsOf(report)).toEqual([]);
      const late = aDeploymentReport({ reportedAt, occurredAt: '2024-11-06T09:30:00-00:01' });
      expect(pathsOf(late)).toEqual(['occurredAt']);
    });

    it('given reportedAt exactly now + 5 minutes, then it is accepted', () => {
      const now = new Date(reportedMs - 5 * MINUTE_MS);
      expect(errorsOf(aDeploymentReport({ reportedAt }), now)).toEqual([]);
    });

    it.each([
      ['1 s', 1000],
      ['1 ms', 1],
    ])('given reportedAt now + 5 minutes + %s, then reportedAt is rejected', (_name, extra) => {
      const now = new Date(reportedMs - 5 * MINUTE_MS - extra);
      expect(errorsOf(aDeploymentReport({ reportedAt }), now)).toEqual([
        {
          path: 'reportedAt',
          message: 'must not be in the future (5 minutes of clock skew allowed)',
        },
      ]);
    });

    it('given the same body, then the verdict depends only on the injected now', () => {
      const report = aDeploymentReport({ reportedAt });
      expect(validate(report, new Date(reportedMs)).ok).toBe(true);
      expect(validate(report, new Date(reportedMs - DAY_MS)).ok).toBe(false);
    });
  });

  describe('counts (0 <= low <= best <= high, integers)', () => {
    it.each<[string, Mutation, string]>([
      ['low > best', (r) => (r.details.count = { low: 10, best: 5 }), 'details.count.low'],
      ['high < best', (r) => (r.details.count = { best: 5, high: 4 }), 'details.count.high'],
      ['best negative', (r) => (r.details.count = { best: -1 }), 'details.count.best'],
      ['low negative', (r) => (r.details.count = { low: -1, best: 5 }), 'details.count.low'],
      ['best fractional', (r) => (r.details.count = { best: 1.5 }), 'details.count.best'],
      ['best a string', (r) => (r.details.count = { best: '5' }), 'details.count.best'],
      ['best missing', (r) => (r.details.count = { low: 1, high: 9 }), 'details.count.best'],
      ['best null', (r) => (r.details.count = { best: null }), 'details.count.best'],
      [
        'best above the limit',
        (r) => (r.details.count = { best: LIMITS.count + 1 }),
        'details.count.best',
      ],
      ['high fractional', (r) => (r.details.count = { best: 5, high: 5.5 }), 'details.count.high'],
      ['count a number', (r) => (r.details.count = 3000), 'details.count'],
    ])('when %s, then it is rejected at its member', (_name, mutate, path) => {
      expectOnlyErrorAt('casualty', mutate, path);
    });

    it.each<[string, Mutation]>([
      ['low = best = high', (r) => (r.details.count = { low: 7, best: 7, high: 7 })],
      ['best alone', (r) => (r.details.count = { best: 0 })],
      ['best at the limit', (r) => (r.details.count = { best: LIMITS.count })],
    ])('when %s, then it is accepted', (_name, mutate) => {
      expectValid('casualty', mutate);
    });
  });

  describe('actors (ISO 3166-1 alpha-2 upper-case, or a slug)', () => {
    it.each([['RU'], ['KP'], ['EU'], ['wagner-group'], ['ru'], ['houthis-2']])(
      'when the actor is %p, then it is accepted',
      (actor) => expectValid('deployment', (r) => (r.details.actor = actor)),
    );

    it.each([
      ['XX'],
      ['R'],
      ['RUS'],
      ['Wagner Group'],
      ['wagner_group'],
      [''],
      ['a'.repeat(65)],
      [7],
    ])('when the actor is %p, then it is rejected', (actor) =>
      expectOnlyErrorAt('deployment', (r) => (r.details.actor = actor), 'details.actor'),
    );
  });

  describe('deployment details', () => {
    it.each<[string, Mutation, string]>([
      ['actor missing', (r) => delete r.details.actor, 'details.actor'],
      ['supporting not an actor', (r) => (r.details.supporting = 'Russia'), 'details.supporting'],
      ['movement unknown', (r) => (r.details.movement = 'invasion'), 'details.movement'],
      ['movement missing', (r) => delete r.details.movement, 'details.movement'],
      [
        'neither personnel nor equipment',
        (r) => {
          delete r.details.personnel;
          delete r.details.equipment;
        },
        'details.personnel',
      ],
      ['personnel not an object', (r) => (r.details.personnel = 3000), 'details.personnel'],
      [
        'personnel.best negative',
        (r) => (r.details.personnel = { best: -1 }),
        'details.personnel.best',
      ],
      ['personnel low > best', (r) => (r.details.personnel.low = 20000), 'details.personnel.low'],
      ['equipment empty', (r) => (r.details.equipment = []), 'details.equipment'],
      ['equipment not a list', (r) => (r.details.equipment = {}), 'details.equipment'],
      ['equipment of numbers', (r) => (r.details.equipment = [1]), 'details.equipment'],
      [
        'equipment over 50 items',
        (r) => (r.details.equipment = Array.from({ length: 51 }, () => ({ category: 'drone' }))),
        'details.equipment',
      ],
      [
        'equipment category unknown',
        (r) => (r.details.equipment[0].category = 'nuclear'),
        'details.equipment.0.category',
      ],
      [
        'equipment category missing',
        (r) => delete r.details.equipment[1].category,
        'details.equipment.1.category',
      ],
      [
        'equipment quantity low > best',
        (r) => (r.details.equipment[1].quantity = { low: 30, best: 20 }),
        'details.equipment.1.quantity.low',
      ],
      [
        'equipment description too long',
        (r) => (r.details.equipment[0].description = 'd'.repeat(501)),
        'details.equipment.0.description',
      ],
    ])('when %s', (_name, mutate, path) => {
      expectOnlyErrorAt('deployment', mutate, path);
    });

    it.each<[string, Mutation]>([
      ['personnel only', (r) => delete r.details.equipment],
      ['equipment only', (r) => delete r.details.personnel],
      ['no supporting party', (r) => delete r.details.supporting],
      [
        '50 equipment items',
        (r) => (r.details.equipment = Array.from({ length: 50 }, () => ({ category: 'drone' }))),
      ],
      ['each equipment category', (r) => (r.details.equipment = [{ category: 'air_defence' }])],
    ])('when %s, then it is accepted', (_name, mutate) => {
      expectValid('deployment', mutate);
    });
  });

  describe('casualty details', () => {
    it.each<[string, Mutation, string]>([
      ['party missing', (r) => delete r.details.party, 'details.party'],
      ['party not an actor', (r) => (r.details.party = 'North Korea'), 'details.party'],
      ['category unknown', (r) => (r.details.category = 'injured'), 'details.category'],
      ['civilian not a boolean', (r) => (r.details.civilian = 'no'), 'details.civilian'],
      ['civilian missing', (r) => delete r.details.civilian, 'details.civilian'],
      ['count missing', (r) => delete r.details.count, 'details.count'],
      ['cumulative not a boolean', (r) => (r.details.cumulative = 1), 'details.cumulative'],
      ['cumulative missing', (r) => delete r.details.cumulative, 'details.cumulative'],
    ])('when %s', (_name, mutate, path) => {
      expectOnlyErrorAt('casualty', mutate, path);
    });
  });

  describe('ceasefire violation details', () => {
    it.each<[string, Mutation, string]>([
      ['ceasefire missing', (r) => delete r.details.ceasefire, 'details.ceasefire'],
      ['ceasefire not a slug', (r) => (r.details.ceasefire = 'Black Sea'), 'details.ceasefire'],
      ['accusedParty missing', (r) => delete r.details.accusedParty, 'details.accusedParty'],
      [
        'accusedParty not an actor',
        (r) => (r.details.accusedParty = 'Rus'),
        'details.accusedParty',
      ],
      ['accusingParty missing', (r) => delete r.details.accusingParty, 'details.accusingParty'],
      [
        'accusingParty not an actor',
        (r) => (r.details.accusingParty = 'U A'),
        'details.accusingParty',
      ],
      ['means unknown', (r) => (r.details.means = 'nuclear'), 'details.means'],
      ['means missing', (r) => delete r.details.means, 'details.means'],
      ['target too long', (r) => (r.details.target = 't'.repeat(201)), 'details.target'],
      ['target empty', (r) => (r.details.target = ''), 'details.target'],
      [
        'description too long',
        (r) => (r.details.description = 'd'.repeat(2001)),
        'details.description',
      ],
      ['description not a string', (r) => (r.details.description = 5), 'details.description'],
    ])('when %s', (_name, mutate, path) => {
      expectOnlyErrorAt('ceasefire_violation', mutate, path);
    });

    it('when target and description are absent, then it is accepted', () => {
      expectValid('ceasefire_violation', (r) => {
        delete r.details.target;
        delete r.details.description;
      });
    });
  });

  describe('sanction demand details', () => {
    it.each<[string, Mutation, string]>([
      ['demandingParty missing', (r) => delete r.details.demandingParty, 'details.demandingParty'],
      [
        'demandingParty not an actor',
        (r) => (r.details.demandingParty = 'Kremlin!'),
        'details.demandingParty',
      ],
      ['sanctions missing', (r) => delete r.details.sanctions, 'details.sanctions'],
      ['sanctions empty', (r) => (r.details.sanctions = []), 'details.sanctions'],
      [
        'sanctions over 50',
        (r) => (r.details.sanctions = Array.from({ length: 51 }, () => r.details.sanctions[0])),
        'details.sanctions',
      ],
      ['a sanction not an object', (r) => (r.details.sanctions = ['SWIFT']), 'details.sanctions'],
      [
        'sanction imposedBy not an actor',
        (r) => (r.details.sanctions[0].imposedBy = 'E U'),
        'details.sanctions.0.imposedBy',
      ],
      [
        'sanction target empty',
        (r) => (r.details.sanctions[0].target = ''),
        'details.sanctions.0.target',
      ],
      [
        'sanction measure missing',
        (r) => delete r.details.sanctions[0].measure,
        'details.sanctions.0.measure',
      ],
      ['demand unknown', (r) => (r.details.demand = 'keep'), 'details.demand'],
      ['demand missing', (r) => delete r.details.demand, 'details.demand'],
      ['condition a string', (r) => (r.details.condition = 'ceasefire'), 'details.condition'],
      [
        'condition kind unknown',
        (r) => (r.details.condition.kind = 'after_elections'),
        'details.condition.kind',
      ],
      [
        'condition ceasefire not a slug',
        (r) => (r.details.condition.ceasefire = 'Black Sea'),
        'details.condition.ceasefire',
      ],
    ])('when %s', (_name, mutate, path) => {
      expectOnlyErrorAt('sanction_demand', mutate, path);
    });

    it('when the second sanction is broken, then the path names its index', () => {
      const report: any = aSanctionDemandReport();
      report.details.sanctions.push({ imposedBy: 'US', target: '', measure: 'asset freeze' });
      expect(pathsOf(report)).toEqual(['details.sanctions.1.target']);
    });

    it('when there is no condition, then it is accepted', () => {
      expectValid('sanction_demand', (r) => delete r.details.condition);
    });
  });

  describe('unknown fields are rejected with their path', () => {
    it.each<[string, keyof typeof builders, Mutation, string]>([
      ['at the root', 'deployment', (r) => (r.unexpected = true), 'unexpected'],
      ['in source', 'deployment', (r) => (r.source.rating = 'high'), 'source.rating'],
      ['in location', 'deployment', (r) => (r.location.region = 'Kursk'), 'location.region'],
      ['in details', 'casualty', (r) => (r.details.severity = 3), 'details.severity'],
      ['in a count', 'casualty', (r) => (r.details.count.median = 3), 'details.count.median'],
      [
        'in an equipment item',
        'deployment',
        (r) => (r.details.equipment[1].calibre = 240),
        'details.equipment.1.calibre',
      ],
      [
        'in a sanction',
        'sanction_demand',
        (r) => (r.details.sanctions[0].since = 2022),
        'details.sanctions.0.since',
      ],
      [
        'in a condition',
        'sanction_demand',
        (r) => (r.details.condition.deadline = 'x'),
        'details.condition.deadline',
      ],
      ['named constructor', 'deployment', (r) => (r.constructor = 1), 'constructor'],
    ])('%s', (_name, type, mutate, path) => {
      expectOnlyErrorAt(type, mutate, path);
    });

    it('named __proto__ (as JSON.parse makes it), without touching any prototype', () => {
      const body = JSON.parse(
        JSON.stringify(aDeploymentReport()).replace('{', '{"__proto__":{"polluted":true},'),
      );
      expect(pathsOf(body)).toEqual(['__proto__']);
      expect(({} as any).polluted).toBeUndefined();
    });

    it('when there are thousands, then at most 100 errors come back', () => {
      const report: any = aDeploymentReport();
      for (let i = 0; i < 5000; i++) report[`extra${i}`] = i;
      expect(errorsOf(report)).toHaveLength(LIMITS.fieldErrors);
    });
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
}
