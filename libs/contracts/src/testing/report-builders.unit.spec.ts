import { validateReport } from '../validation/report.validation';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from './report-builders';

const now = new Date();

describe('report builders (for tests elsewhere)', () => {
  it.each([[aDeploymentReport], [aCasualtyReport], [aViolationReport], [aSanctionDemandReport]])(
    'given no overrides, then %p builds a valid report against the real clock',
    (build) => {
      expect(validateReport(build(), { now }).ok).toBe(true);
    },
  );

  it('given top-level overrides, then they replace those fields', () => {
    const report = aCasualtyReport({ reportId: 'other-id', theatre: 'other-theatre' });
    expect(report).toMatchObject({ reportId: 'other-id', theatre: 'other-theatre' });
    expect(report.source.name).toBe('Office of the President of Ukraine');
  });

  it('given details overrides, then they merge into the default details', () => {
    const report = aDeploymentReport({ details: { movement: 'buildup' } });
    expect(report.details.movement).toBe('buildup');
    expect(report.details.actor).toBe('KP');
  });

  it('given an override of undefined, then the field is removed', () => {
    const report = aDeploymentReport({ location: undefined, details: { equipment: undefined } });
    expect('location' in report).toBe(false);
    expect('equipment' in report.details).toBe(false);
    expect(validateReport(report, { now }).ok).toBe(true);
  });

  it('given two calls, then they share nothing a test could mutate', () => {
    const first = aSanctionDemandReport();
    first.details.sanctions[0].target = 'changed';
    expect(aSanctionDemandReport().details.sanctions[0].target).toBe('Rosselkhozbank');
  });
});
