import type { CeasefireViolationDetails, SanctionDemandDetails } from '@cm/contracts';
import { aSanctionDemandReport, aViolationReport } from '@cm/contracts/testing';
import { foldTheatreOverview } from './fold-theatre-overview';
import { RECENT_SANCTION_DEMANDS_PER_PARTY } from './overview';
import { EventSequence } from './projection-events.testing';

const AT = new Date('2025-04-10T12:00:00.000Z');
const THEATRE = 'russia-ukraine';
const hoursBefore = (hours: number) => new Date(AT.getTime() - hours * 3_600_000).toISOString();

const violation = (
  id: string,
  occurredAt: string,
  details: Partial<CeasefireViolationDetails> = {},
) => aViolationReport({ reportId: id, occurredAt, details });
const demand = (id: string, occurredAt: string, details: Partial<SanctionDemandDetails> = {}) =>
  aSanctionDemandReport({ reportId: id, occurredAt, details });

describe('ceasefire violation projection', () => {
  it('counts by accused party over the last 24 h and 7 d of event time before the reference instant', () => {
    const events = new EventSequence()
      .reported(violation('a', hoursBefore(1)))
      .reported(violation('b', hoursBefore(24), { accusedParty: 'UA', accusingParty: 'RU' }))
      .reported(violation('c', hoursBefore(30)))
      .reported(violation('d', hoursBefore(7 * 24)))
      .reported(violation('e', hoursBefore(7 * 24 + 1)))
      // occurredAt after the reference instant: in neither window yet.
      .reported(violation('f', hoursBefore(-2)));

    const { last24h, last7d } = foldTheatreOverview(
      THEATRE,
      events.events,
      AT,
    )!.ceasefireViolations;

    expect(last24h).toEqual({
      from: hoursBefore(24),
      to: AT.toISOString(),
      total: 1,
      byAccusedParty: [{ party: 'RU', count: 1 }],
    });
    expect(last7d).toEqual({
      from: hoursBefore(7 * 24),
      to: AT.toISOString(),
      total: 3,
      byAccusedParty: [
        { party: 'RU', count: 2 },
        { party: 'UA', count: 1 },
      ],
    });
  });

  it('places a late report by occurredAt and moves or drops corrected and retracted ones', () => {
    const late = violation('late', hoursBefore(2));
    const moved = violation('moved', hoursBefore(3));
    const gone = violation('gone', hoursBefore(4));
    const events = new EventSequence()
      .reported(violation('old', hoursBefore(100)))
      .reported(moved)
      .reported(gone)
      .reported(late)
      .corrected(moved, {
        occurredAt: hoursBefore(48),
        details: { accusedParty: 'UA', accusingParty: 'RU' },
      })
      .retracted(gone);

    const overview = foldTheatreOverview(THEATRE, events.events, AT)!;

    expect(overview.ceasefireViolations.last24h.byAccusedParty).toEqual([
      { party: 'RU', count: 1 },
    ]);
    expect(overview.ceasefireViolations.last7d.byAccusedParty).toEqual([
      { party: 'RU', count: 2 },
      { party: 'UA', count: 1 },
    ]);
    expect(overview.firstOccurredAt).toBe(hoursBefore(100));
    expect(overview.lastOccurredAt).toBe(hoursBefore(2));
    expect(overview.reports).toMatchObject({ ceasefireViolations: 3, total: 3 });
  });
});

describe('sanction demand projection', () => {
  it('lists active demands by demanding party, most recent first, with sanctions and conditions', () => {
    const withdrawn = demand('w', hoursBefore(5));
    const events = new EventSequence()
      .reported(demand('ru-1', hoursBefore(50)))
      .reported(demand('ru-2', hoursBefore(10), { demand: 'ease', condition: undefined }))
      .reported(demand('ua-1', hoursBefore(20), { demandingParty: 'UA', demand: 'impose' }))
      .reported(withdrawn)
      .retracted(withdrawn);

    const overview = foldTheatreOverview(THEATRE, events.events, AT)!;

    expect(overview.sanctionDemands).toEqual([
      {
        demandingParty: 'RU',
        active: 2,
        recent: [
          {
            reportId: 'ru-2',
            occurredAt: hoursBefore(10),
            demand: 'ease',
            sanctions: [
              { imposedBy: 'EU', target: 'Rosselkhozbank', measure: 'SWIFT disconnection' },
            ],
          },
          {
            reportId: 'ru-1',
            occurredAt: hoursBefore(50),
            demand: 'lift',
            sanctions: [
              { imposedBy: 'EU', target: 'Rosselkhozbank', measure: 'SWIFT disconnection' },
            ],
            condition: { kind: 'precondition_for_ceasefire', ceasefire: 'black-sea-maritime' },
          },
        ],
      },
      expect.objectContaining({ demandingParty: 'UA', active: 1 }),
    ]);
  });

  it(`lists at most ${RECENT_SANCTION_DEMANDS_PER_PARTY} per party but counts all`, () => {
    const events = new EventSequence();
    for (let i = 0; i < RECENT_SANCTION_DEMANDS_PER_PARTY + 3; i++)
      events.reported(demand(`d${i}`, hoursBefore(i)));

    const [party] = foldTheatreOverview(THEATRE, events.events, AT)!.sanctionDemands;

    expect(party.active).toBe(RECENT_SANCTION_DEMANDS_PER_PARTY + 3);
    expect(party.recent.map((entry) => entry.reportId)).toEqual(
      Array.from({ length: RECENT_SANCTION_DEMANDS_PER_PARTY }, (_, i) => `d${i}`),
    );
  });
});
