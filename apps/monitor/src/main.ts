import 'reflect-metadata';
import { checkRulesConfig } from '@cm/alerts';
import { contractSchemas } from '@cm/contracts';
import { runService } from '@cm/platform';
import { MonitorModule } from './monitor.module';

void runService({
  checkConfig: checkRulesConfig,
  name: 'conflict-monitor',
  http: {
    title: 'Conflict monitor',
    description: 'Reports in, read models and escalation alerts out. See docs/API.md.',
    schemas: contractSchemas(),
    console: true,
  },
  rootModule: ({ config, database }) =>
    MonitorModule.register({ config, databaseUrl: database.url, serviceName: 'monitor' }),
});
