// Test helpers of @cm/contracts; a separate door so that production code never loads them.
export {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from './report-builders';
export type { ReportOverrides } from './report-builders';
export {
  correctedEventFor,
  HISTORY_SOURCES,
  HISTORY_START,
  mulberry32,
  reportHistory,
  retractedEventFor,
  VARIED_REPORTS,
} from './report-history';
export type { HistoryEvent, ReportHistoryOptions } from './report-history';
export { reverseKeys } from './reverse-keys';
