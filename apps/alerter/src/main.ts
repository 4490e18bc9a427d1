import 'reflect-metadata';
import { checkRulesConfig } from '@cm/alerts';
import { PlatformModule, runService } from '@cm/platform';
import { AlerterModule } from './alerter.module';

/** The alerter alone (distributed mode): health and metrics over HTTP, no API. */
void runService({
  checkConfig: checkRulesConfig,
  name: 'alerter',
  http: { title: 'Conflict monitor: alerter' },
  rootModule: ({ config, database }) => ({
    module: class AlerterAppModule {},
    imports: [
      PlatformModule.forRoot({ config, databaseUrl: database.url, serviceName: 'alerter' }),
      AlerterModule,
    ],
  }),
});
