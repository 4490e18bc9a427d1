import type {
  CasualtyDetails,
  CeasefireViolationDetails,
  DeploymentDetails,
  Report,
  ReportDetails,
  ReportSource,
  SanctionDemandDetails,
} from '@cm/contracts';

/**
 * The demo's story: a fictional war in the Tarn valley between Kestria and Valdmark, with
 * Orsova sending troops and rockets to Valdmark, told over six weeks that end the day the demo
 * runs. Nothing in it is real. It is shaped to make every default rule speak (docs/RULES.md):
 *
 * - D-27..D-25: three violations of the Tarn valley truce by both sides -> ceasefire-breakdown;
 *   a violation reported only on D-1 (late) joins that alert's evidence.
 * - D-25, D-24: Orsova arrives with 1,500 troops, then rocket launchers and guns, for Valdmark
 *   -> foreign-reinforcement, heavy-weapons-transfer, reinforcement-during-ceasefire.
 * - D-20: Valdmark makes lifting sanctions a precondition of the truce -> sanctions-precondition.
 * - D-12..D-10: three more violations -> a second ceasefire-breakdown; one of them, a state TV
 *   claim, is retracted, and that alert is resolved with the retraction's reason as its note.
 * - D-6..D-2: a week of casualties well above the weeks before -> casualty-spike; one report is
 *   corrected upwards, and the alert's evidence follows.
 *
 * Casualties come from two kinds of sources: a monitoring mission's increments (and one
 * verified running total), and the two governments' running totals (`cumulative: true`).
 */

export const THEATRE = 'tarn-valley';
const TRUCE = 'tarn-valley-truce';

/** What the demo sends, in order. */
export type ScenarioStep =
  | { kind: 'file'; report: Report }
  | { kind: 'correct'; reportId: string; details: ReportDetails; reason: string }
  | { kind: 'retract'; reportId: string; reason: string };

export interface Scenario {
  theatre: string;
  /** The start of the UTC day the story ends on; every date is before it. */
  anchor: Date;
  steps: ScenarioStep[];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const SOURCES = {
  mission: {
    name: 'Tarn Valley Monitoring Mission',
    kind: 'ngo',
    reliability: 'B',
    credibility: 2,
  },
  kestrianMod: {
    name: 'Kestrian Ministry of Defence',
    kind: 'government',
    reliability: 'C',
    credibility: 3,
  },
  valdmarkStaff: {
    name: 'Valdmark General Staff',
    kind: 'military',
    reliability: 'C',
    credibility: 3,
  },
  valdmarkTv: {
    name: 'Valdmark State Television',
    kind: 'state_media',
    reliability: 'E',
    credibility: 5,
  },
  kestrianIntel: {
    name: 'Kestrian Intelligence Directorate',
    kind: 'intelligence',
    reliability: 'B',
    credibility: 3,
  },
  valdmarkForeignMinistry: {
    name: 'Valdmark Foreign Ministry',
    kind: 'government',
    reliability: 'A',
    credibility: 2,
  },
  wire: { name: 'Compact Wire Service', kind: 'media', reliability: 'B', credibility: 2 },
} satisfies Record<string, ReportSource>;

/**
 * The scenario ending on the UTC day of `now`. Report ids carry that day, so running the demo
 * again the same day re-sends identical reports (answered 200, stored once) and a run on
 * another day tells the story again, ending then.
 */
export function tarnValleyScenario(now: Date): Scenario {
  const anchor = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  const day = anchor.toISOString().slice(0, 10).replaceAll('-', '');
  const at = (days: number, hour: number): string =>
    new Date(anchor.getTime() - days * DAY_MS + hour * HOUR_MS).toISOString();
  const id = (name: string): string => `tarn-${day}-${name}`;

  type Common = { name: string; days: number; hour: number; source: ReportSource; delay?: number };
  /** reportedAt: `delay` hours after occurredAt (6 by default). */
  const envelope = ({ name, days, hour, source, delay = 6 }: Common) => ({
    reportId: id(name),
    theatre: THEATRE,
    occurredAt: at(days, hour),
    occurredPrecision: 'hour' as const,
    reportedAt: new Date(Date.parse(at(days, hour)) + delay * HOUR_MS).toISOString(),
    source,
  });
  const deployment = (common: Common, details: DeploymentDetails): Report => ({
    ...envelope(common),
    type: 'deployment',
    details,
  });
  const casualty = (common: Common, details: CasualtyDetails): Report => ({
    ...envelope(common),
    occurredPrecision: 'day',
    type: 'casualty',
    details,
  });
  const violation = (
    common: Common,
    details: Omit<CeasefireViolationDetails, 'ceasefire'>,
  ): Report => ({
    ...envelope(common),
    type: 'ceasefire_violation',
    details: { ceasefire: TRUCE, ...details },
  });
  const demand = (common: Common, details: SanctionDemandDetails): Report => ({
    ...envelope(common),
    occurredPrecision: 'day',
    type: 'sanction_demand',
    details,
  });
  const killed = (
    party: string,
    best: number,
    more: Partial<CasualtyDetails> = {},
  ): CasualtyDetails => ({
    party,
    category: 'killed',
    civilian: false,
    count: { best },
    cumulative: false,
    ...more,
  });
  const { mission, kestrianMod, valdmarkStaff, valdmarkTv, kestrianIntel, wire } = SOURCES;

  const spikeReport = casualty(
    { name: 'cas-kestria-kw-d4', days: 4, hour: 12, source: mission },
    killed('kestria', 60, {
      category: 'killed_or_wounded',
      count: { low: 55, best: 60, high: 70 },
    }),
  );
  const tvClaim = violation(
    { name: 'vio-tv-claim-d11', days: 11, hour: 18, source: valdmarkTv, delay: 3 },
    {
      accusedParty: 'kestria',
      accusingParty: 'valdmark',
      means: 'missile',
      target: 'Selm grain terminal',
      description: 'State television showed a missile strike on the grain terminal at Selm.',
    },
  );

  const reports: Report[] = [
    // Weeks 1-2: both armies in place, a quiet truce, a steady trickle of casualties.
    deployment(
      { name: 'dep-kestria-buildup-d41', days: 41, hour: 10, source: kestrianIntel },
      {
        actor: 'kestria',
        movement: 'buildup',
        personnel: { low: 5000, best: 6000, high: 7000 },
        equipment: [
          { category: 'armour', quantity: { best: 40 }, description: 'main battle tanks' },
        ],
      },
    ),
    deployment(
      { name: 'dep-valdmark-buildup-d39', days: 39, hour: 10, source: wire },
      { actor: 'valdmark', movement: 'buildup', personnel: { best: 4500 } },
    ),
    casualty(
      { name: 'cas-valdmark-d40', days: 40, hour: 12, source: mission },
      killed('valdmark', 9),
    ),
    casualty(
      { name: 'cas-kestria-d37', days: 37, hour: 12, source: mission },
      killed('kestria', 14, { category: 'wounded' }),
    ),
    casualty(
      { name: 'cas-total-valdmark-d35', days: 35, hour: 9, source: kestrianMod },
      killed('valdmark', 1200, { cumulative: true }),
    ),
    casualty(
      { name: 'cas-valdmark-d33', days: 33, hour: 12, source: mission },
      killed('valdmark', 11),
    ),
    violation(
      { name: 'vio-valdmark-d31', days: 31, hour: 16, source: kestrianMod },
      {
        accusedParty: 'valdmark',
        accusingParty: 'kestria',
        means: 'artillery',
        target: 'Orlen bridge',
      },
    ),
    casualty(
      { name: 'cas-kestria-d30', days: 30, hour: 12, source: mission },
      killed('kestria', 12),
    ),
    casualty(
      { name: 'cas-total-kestria-d28', days: 28, hour: 9, source: valdmarkStaff },
      killed('kestria', 2100, { cumulative: true }),
    ),
    // Week 3: the truce breaks down on both sides while Orsova reinforces Valdmark.
    violation(
      { name: 'vio-kestria-d27', days: 27, hour: 3, source: valdmarkStaff },
      {
        accusedParty: 'kestria',
        accusingParty: 'valdmark',
        means: 'drone',
        target: 'Tarnow depot',
      },
    ),
    violation(
      { name: 'vio-valdmark-d26', days: 26, hour: 14, source: kestrianMod },
      { accusedParty: 'valdmark', accusingParty: 'kestria', means: 'artillery', target: 'Hollin' },
    ),
    casualty(
      { name: 'cas-valdmark-d26', days: 26, hour: 20, source: mission },
      killed('valdmark', 18),
    ),
    violation(
      { name: 'vio-kestria-d25', days: 25, hour: 22, source: valdmarkStaff },
      {
        accusedParty: 'kestria',
        accusingParty: 'valdmark',
        means: 'ground_assault',
        target: 'Hill 212',
      },
    ),
    deployment(
      { name: 'dep-orsova-arrival-d25', days: 25, hour: 6, source: kestrianIntel },
      {
        actor: 'orsova',
        supporting: 'valdmark',
        movement: 'arrival',
        personnel: { low: 1200, best: 1500, high: 2000 },
      },
    ),
    deployment(
      { name: 'dep-orsova-rockets-d24', days: 24, hour: 11, source: wire },
      {
        actor: 'orsova',
        supporting: 'valdmark',
        movement: 'arrival',
        equipment: [
          { category: 'mrl', quantity: { best: 12 }, description: '220 mm rocket launchers' },
          {
            category: 'artillery',
            quantity: { low: 18, best: 24 },
            description: '152 mm howitzers',
          },
        ],
      },
    ),
    casualty(
      { name: 'cas-kestria-d23', days: 23, hour: 12, source: mission },
      killed('kestria', 16, { category: 'wounded' }),
    ),
    casualty(
      { name: 'cas-total-valdmark-d21', days: 21, hour: 9, source: kestrianMod },
      killed('valdmark', 1350, { cumulative: true }),
    ),
    demand(
      {
        name: 'dem-valdmark-lift-d20',
        days: 20,
        hour: 15,
        source: SOURCES.valdmarkForeignMinistry,
      },
      {
        demandingParty: 'valdmark',
        demand: 'lift',
        sanctions: [
          {
            imposedBy: 'northern-compact',
            target: 'Valdmark Agrarian Bank',
            measure: 'SWIFT disconnection',
          },
          { imposedBy: 'northern-compact', target: 'Port of Selm', measure: 'shipping embargo' },
        ],
        condition: { kind: 'precondition_for_ceasefire', ceasefire: TRUCE },
      },
    ),
    casualty(
      { name: 'cas-valdmark-d19', days: 19, hour: 12, source: mission },
      killed('valdmark', 10),
    ),
    casualty(
      { name: 'cas-kestria-d16', days: 16, hour: 12, source: mission },
      killed('kestria', 13),
    ),
    demand(
      { name: 'dem-kestria-impose-d15', days: 15, hour: 11, source: kestrianMod },
      {
        demandingParty: 'kestria',
        demand: 'impose',
        sanctions: [
          {
            imposedBy: 'northern-compact',
            target: 'Orsovan Arms Export Agency',
            measure: 'export ban',
          },
        ],
      },
    ),
    casualty(
      { name: 'cas-mission-total-valdmark-d14', days: 14, hour: 9, source: mission },
      killed('valdmark', 640, { cumulative: true, count: { low: 600, best: 640, high: 700 } }),
    ),
    casualty(
      { name: 'cas-total-kestria-d14', days: 14, hour: 9, source: valdmarkStaff },
      killed('kestria', 2400, { cumulative: true }),
    ),
    // Week 5: a second round of violations; one claim will not survive scrutiny.
    violation(
      { name: 'vio-valdmark-d12', days: 12, hour: 5, source: kestrianMod },
      {
        accusedParty: 'valdmark',
        accusingParty: 'kestria',
        means: 'drone',
        target: 'Kestrel airfield',
      },
    ),
    casualty(
      { name: 'cas-kestria-civilians-d12', days: 12, hour: 12, source: mission },
      killed('kestria', 7, { civilian: true }),
    ),
    tvClaim,
    violation(
      { name: 'vio-valdmark-d10', days: 10, hour: 9, source: kestrianMod },
      { accusedParty: 'valdmark', accusingParty: 'kestria', means: 'artillery', target: 'Hollin' },
    ),
    casualty(
      { name: 'cas-valdmark-d9', days: 9, hour: 12, source: mission },
      killed('valdmark', 12, { category: 'wounded' }),
    ),
    deployment(
      { name: 'dep-kestria-withdrawal-d8', days: 8, hour: 10, source: wire },
      { actor: 'kestria', movement: 'withdrawal', personnel: { best: 1000 } },
    ),
    // Week 6: casualties jump.
    casualty(
      { name: 'cas-total-valdmark-d7', days: 7, hour: 9, source: kestrianMod },
      killed('valdmark', 1520, { cumulative: true }),
    ),
    casualty(
      { name: 'cas-valdmark-d6', days: 6, hour: 12, source: mission },
      killed('valdmark', 46),
    ),
    spikeReport,
    violation(
      { name: 'vio-kestria-d3', days: 3, hour: 23, source: valdmarkStaff },
      { accusedParty: 'kestria', accusingParty: 'valdmark', means: 'missile', target: 'Tarnow' },
    ),
    casualty(
      { name: 'cas-kestria-civilians-d2', days: 2, hour: 12, source: mission },
      killed('kestria', 31, { civilian: true }),
    ),
    violation(
      // Late in the evening before the demo's day: in the overview's last 24 h until 22:00 UTC.
      { name: 'vio-valdmark-d1', days: 1, hour: 22, source: kestrianMod, delay: 2 },
      {
        accusedParty: 'valdmark',
        accusingParty: 'kestria',
        means: 'naval',
        target: 'Lake Tarn ferry',
      },
    ),
  ];

  const steps: ScenarioStep[] = reports.map((report) => ({ kind: 'file', report }));
  steps.push(
    {
      kind: 'correct',
      reportId: spikeReport.reportId,
      details: {
        ...(spikeReport.details as CasualtyDetails),
        count: { low: 70, best: 75, high: 90 },
      },
      reason: 'The mission added the wounded of the Hollin field hospital, counted a day late.',
    },
    {
      kind: 'retract',
      reportId: tvClaim.reportId,
      reason: 'The footage was of a 2019 fire at the terminal; the broadcaster withdrew it.',
    },
    {
      // Late: a violation of D-26 that the monitoring mission only confirmed on D-1.
      kind: 'file',
      report: violation(
        {
          name: 'vio-mission-late-d26',
          days: 26,
          hour: 8,
          source: mission,
          delay: 25 * 24,
        },
        {
          accusedParty: 'valdmark',
          accusingParty: 'kestria',
          means: 'artillery',
          target: 'Hollin water station',
          description: 'Confirmed by the mission after a site visit.',
        },
      ),
    },
  );
  return { theatre: THEATRE, anchor, steps };
}
