// Test helpers of @cm/contracts; a separate door so that production code never loads them.
export {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from './report-builders';
export type { ReportOverrides } from './report-builders';
