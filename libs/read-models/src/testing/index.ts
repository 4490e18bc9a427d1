// Test and bench support (not part of the lib's public door): report histories
// (@cm/contracts/testing's reportHistory) into the store, and the read models' rows.
export { appendHistory } from './append-report-history';
export { dumpReadModels } from './dump-read-models';
export { startLiveProjector } from './live-projector';
