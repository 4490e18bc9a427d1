import type { DeploymentDetails } from '@cm/contracts';
import { aDeploymentReport } from '@cm/contracts/testing';
import { foldTheatreOverview } from './fold-theatre-overview';
import { EventSequence } from './projection-events.testing';

const AT = new Date('2025-01-10T00:00:00.000Z');
const THEATRE = 'russia-ukraine';

function deployment(id: string, details: Partial<DeploymentDetails>) {
  return aDeploymentReport({ reportId: id, occurredAt: '2025-01-05T00:00:00.000Z', details });
}

describe('deployment projection', () => {
  it('adds arrivals and buildups and subtracts withdrawals, low, best and high each', () => {
    const events = new EventSequence()
      .reported(
        deployment('a', {
          actor: 'KP',
          supporting: 'RU',
          movement: 'arrival',
          personnel: { low: 9000, best: 10000, high: 12000 },
          equipment: undefined,
        }),
      )
      .reported(
        deployment('b', {
          actor: 'KP',
          supporting: 'RU',
          movement: 'buildup',
          personnel: { best: 2000 },
          equipment: undefined,
        }),
      )
      .reported(
        deployment('c', {
          actor: 'KP',
          supporting: 'RU',
          movement: 'withdrawal',
          personnel: { low: 500, best: 1000 },
          equipment: undefined,
        }),
      ).events;

    const overview = foldTheatreOverview(THEATRE, events, AT)!;

    expect(overview.personnel.byActor).toEqual([
      { party: 'KP', reports: 3, low: 9000 + 2000 - 500, best: 11000, high: 12000 + 2000 - 1000 },
    ]);
    expect(overview.personnel.bySupportingParty).toEqual([
      { party: 'RU', reports: 3, low: 10500, best: 11000, high: 13000 },
    ]);
  });

  it('counts forces without a supporting party for their own actor', () => {
    const events = new EventSequence().reported(
      deployment('a', {
        actor: 'BY',
        supporting: undefined,
        movement: 'buildup',
        personnel: { best: 300 },
        equipment: undefined,
      }),
    ).events;

    const overview = foldTheatreOverview(THEATRE, events, AT)!;

    expect(overview.personnel.bySupportingParty).toEqual([
      { party: 'BY', reports: 1, low: 300, best: 300, high: 300 },
    ]);
  });

  it('sums equipment by actor and category, signed like personnel', () => {
    const events = new EventSequence()
      .reported(
        deployment('a', {
          actor: 'KP',
          movement: 'arrival',
          personnel: undefined,
          equipment: [
            { category: 'artillery', quantity: { best: 50, high: 60 } },
            { category: 'artillery', quantity: { best: 10 } },
            { category: 'mrl' },
          ],
        }),
      )
      .reported(
        deployment('b', {
          actor: 'KP',
          movement: 'withdrawal',
          personnel: undefined,
          equipment: [{ category: 'artillery', quantity: { best: 20 } }],
        }),
      ).events;

    const overview = foldTheatreOverview(THEATRE, events, AT)!;

    expect(overview.equipment).toEqual([
      { actor: 'KP', category: 'artillery', reports: 2, low: 40, best: 40, high: 50 },
      { actor: 'KP', category: 'mrl', reports: 1, low: 0, best: 0, high: 0 },
    ]);
    expect(overview.personnel.byActor).toEqual([]);
  });

  it('replaces a corrected report contribution and removes a retracted one', () => {
    const first = deployment('a', {
      actor: 'KP',
      supporting: 'RU',
      movement: 'arrival',
      personnel: { best: 10000 },
      equipment: undefined,
    });
    const second = deployment('b', {
      actor: 'RU',
      supporting: undefined,
      movement: 'buildup',
      personnel: { best: 500 },
      equipment: [{ category: 'armour', quantity: { best: 5 } }],
    });
    const events = new EventSequence()
      .reported(first)
      .reported(second)
      .corrected(first, { details: { actor: 'wagner-group', personnel: { best: 3000 } } })
      .retracted(second).events;

    const overview = foldTheatreOverview(THEATRE, events, AT)!;

    expect(overview.personnel.byActor).toEqual([
      { party: 'wagner-group', reports: 1, low: 3000, best: 3000, high: 3000 },
    ]);
    expect(overview.personnel.bySupportingParty).toEqual([
      { party: 'RU', reports: 1, low: 3000, best: 3000, high: 3000 },
    ]);
    expect(overview.equipment).toEqual([]);
    expect(overview.reports).toMatchObject({ deployments: 1, total: 1 });
  });

  it('keeps a theatre whose every report was retracted, with zero counts', () => {
    const report = deployment('a', {
      actor: 'KP',
      movement: 'arrival',
      personnel: { best: 1 },
      equipment: undefined,
    });
    const events = new EventSequence().reported(report).retracted(report).events;

    const overview = foldTheatreOverview(THEATRE, events, AT)!;

    expect(overview.reports.total).toBe(0);
    expect(overview.firstOccurredAt).toBeNull();
    expect(foldTheatreOverview('elsewhere', events, AT)).toBeNull();
  });
});
