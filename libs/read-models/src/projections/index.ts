// Pure projections: no framework, database or I/O (dependency-cruiser checks it).
export * from './aggregates';
export * from './casualty-totals';
export * from './estimates';
export * from './fold-theatre-overview';
export * from './overview';
export * from './project-events';
export * from './report-row';
export * from './series';
