import 'reflect-metadata';
import { contractSchemas } from '@cm/contracts';
import { PlatformModule, runService } from '@cm/platform';
import { IngestModule } from './ingest.module';

/** The ingest service alone (distributed mode). */
void runService({
  name: 'ingest',
  http: { title: 'Conflict monitor: ingest', schemas: contractSchemas() },
  rootModule: ({ config, database }) => ({
    module: class IngestAppModule {},
    imports: [
      PlatformModule.forRoot({ config, databaseUrl: database.url, serviceName: 'ingest' }),
      IngestModule,
    ],
  }),
});
