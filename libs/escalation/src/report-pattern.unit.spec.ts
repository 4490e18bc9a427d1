import { aDeploymentReport, aSanctionDemandReport } from '@cm/contracts/testing';
import { compileCondition } from './report-pattern';
import { FieldSlots } from './report-record';
import type { Condition } from './rule.types';

/** Whether `condition` holds for `report`, through the same slots the engine uses. */
function holds(condition: Condition, report: object): boolean {
  const slots = new FieldSlots();
  const test = compileCondition(condition, slots);
  return test(slots.extract(report));
}

const kpArrival = aDeploymentReport();
const selfDeployment = aDeploymentReport({ details: { actor: 'RU', supporting: undefined } });

describe('conditions on report fields', () => {
  it('given a list field, then equals and in hold when any item matches', () => {
    expect(holds({ field: 'details.equipment.category', equals: 'mrl' }, kpArrival)).toBe(true);
    expect(
      holds({ field: 'details.equipment.category', in: ['srbm', 'artillery'] }, kpArrival),
    ).toBe(true);
    expect(holds({ field: 'details.equipment.category', in: ['srbm'] }, kpArrival)).toBe(false);
  });

  it('given a list field, then notIn holds only when no item matches', () => {
    expect(holds({ field: 'details.equipment.category', notIn: ['mrl'] }, kpArrival)).toBe(false);
    expect(holds({ field: 'details.equipment.category', notIn: ['srbm'] }, kpArrival)).toBe(true);
  });

  it('given an absent field, then every operator but exists: false is false', () => {
    expect(holds({ field: 'details.supporting', notEquals: 'RU' }, selfDeployment)).toBe(false);
    expect(holds({ field: 'details.supporting', notIn: ['RU'] }, selfDeployment)).toBe(false);
    expect(
      holds({ field: 'details.supporting', differsFrom: 'details.actor' }, selfDeployment),
    ).toBe(false);
    expect(holds({ field: 'details.supporting', exists: false }, selfDeployment)).toBe(true);
  });

  it('given supporting and actor, then differsFrom and sameAs compare the two fields', () => {
    expect(holds({ field: 'details.supporting', differsFrom: 'details.actor' }, kpArrival)).toBe(
      true,
    );
    const ruForRu = aDeploymentReport({ details: { actor: 'RU', supporting: 'RU' } });
    expect(holds({ field: 'details.supporting', differsFrom: 'details.actor' }, ruForRu)).toBe(
      false,
    );
    expect(holds({ field: 'details.supporting', sameAs: 'details.actor' }, ruForRu)).toBe(true);
  });

  it('given comparisons, then they hold at their bounds as written', () => {
    const personnel = (best: number) => aDeploymentReport({ details: { personnel: { best } } });
    expect(holds({ field: 'details.personnel.best', gte: 1000 }, personnel(1000))).toBe(true);
    expect(holds({ field: 'details.personnel.best', gte: 1000 }, personnel(999))).toBe(false);
    expect(holds({ field: 'details.personnel.best', gt: 1000 }, personnel(1000))).toBe(false);
    expect(holds({ field: 'details.personnel.best', lt: 1000, lte: 999 }, personnel(999))).toBe(
      true,
    );
  });

  it('given an object field, then exists tells whether it is there', () => {
    const unconditional = aSanctionDemandReport({ details: { condition: undefined } });
    expect(holds({ field: 'details.condition', exists: true }, aSanctionDemandReport())).toBe(true);
    expect(holds({ field: 'details.condition', exists: true }, unconditional)).toBe(false);
  });

  it('given anyOf and allOf, then they combine conditions', () => {
    const condition: Condition = {
      anyOf: [
        { field: 'details.personnel.best', gte: 500 },
        {
          allOf: [
            { field: 'details.equipment', exists: true },
            { field: 'details.actor', equals: 'KP' },
          ],
        },
      ],
    };
    const small = aDeploymentReport({ details: { personnel: { best: 10 } } });
    const smallUnarmed = aDeploymentReport({
      details: { personnel: { best: 10 }, equipment: undefined },
    });
    expect(holds(condition, small)).toBe(true);
    expect(holds(condition, smallUnarmed)).toBe(false);
  });
});
