import 'reflect-metadata';
import { checkRulesConfig } from '@cm/alerts';
import { contractSchemas } from '@cm/contracts';
import { PlatformModule, runService } from '@cm/platform';
import { QueryModule } from './query.module';

/** The query service alone (distributed mode): reads over REST, no writes. */
void runService({
  checkConfig: checkRulesConfig,
  name: 'query',
  http: { title: 'Conflict monitor: query', schemas: contractSchemas(), console: true },
  rootModule: ({ config, database }) => ({
    module: class QueryAppModule {},
    imports: [
      PlatformModule.forRoot({ config, databaseUrl: database.url, serviceName: 'query' }),
      QueryModule,
    ],
  }),
});
