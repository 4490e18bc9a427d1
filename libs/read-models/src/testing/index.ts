// Test and bench support (not part of the lib's public door): generated report histories.
export { appendHistory } from './append-report-history';
export { reportHistory } from './report-history';
export type { HistoryEvent, ReportHistoryOptions } from './report-history';
export { dumpReadModels } from './dump-read-models';
