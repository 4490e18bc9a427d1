// The public door of @cm/read-models: pure projections, their PostgreSQL writer and queries.
export * from './projections';
export type { Queryable } from '@cm/platform/plumbing';
export { ReadModelWriter } from './postgres/read-model-writer';
export { READ_MODEL_TABLES, REPORT_TABLES } from './postgres/report-tables';
export { PROJECTOR_SUBSCRIPTION, rebuildReadModels, resetReadModels } from './postgres/rebuild';
export type { RebuildOptions, RebuildProgress, RebuildResult } from './postgres/rebuild';
export { loadTheatreOverview } from './postgres/theatre-overview.query';
