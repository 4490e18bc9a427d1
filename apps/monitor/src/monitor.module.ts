import { DynamicModule, Module } from '@nestjs/common';
import { AlerterModule } from '@cm/alerter';
import { IngestModule } from '@cm/ingest';
import { PlatformModule, PlatformModuleOptions } from '@cm/platform';
import { ProjectorModule } from '@cm/projector';
import { QueryModule } from '@cm/query';

/**
 * The embedded default: every service in one process on one database. Ingest, projector,
 * alerter and query share the process, the pool and the event store's wake-ups.
 */
@Module({})
export class MonitorModule {
  static register(platform: PlatformModuleOptions): DynamicModule {
    return {
      module: MonitorModule,
      imports: [
        PlatformModule.forRoot(platform),
        IngestModule,
        ProjectorModule,
        AlerterModule,
        QueryModule,
      ],
    };
  }
}
