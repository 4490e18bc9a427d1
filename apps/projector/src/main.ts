import 'reflect-metadata';
import { PlatformModule, runService } from '@cm/platform';
import { ProjectorModule } from './projector.module';

/** The projector alone (distributed mode): health and metrics over HTTP, no API. */
void runService({
  name: 'projector',
  http: { title: 'Conflict monitor: projector' },
  rootModule: ({ config, database }) => ({
    module: class ProjectorAppModule {},
    imports: [
      PlatformModule.forRoot({ config, databaseUrl: database.url, serviceName: 'projector' }),
      ProjectorModule,
    ],
  }),
});
