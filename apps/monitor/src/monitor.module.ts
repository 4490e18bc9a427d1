import { DynamicModule, Module } from '@nestjs/common';
import { IngestModule } from '@cm/ingest';
import { PlatformModule, PlatformModuleOptions } from '@cm/platform';

/**
 * The embedded default: every service in one process on one database. Projector, alerter
 * and query join here as they are built.
 */
@Module({})
export class MonitorModule {
  static register(platform: PlatformModuleOptions): DynamicModule {
    return {
      module: MonitorModule,
      imports: [PlatformModule.forRoot(platform), IngestModule],
    };
  }
}
