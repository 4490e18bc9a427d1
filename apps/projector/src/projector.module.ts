import { Module } from '@nestjs/common';
import { ProjectorMetrics } from './projector-metrics';
import { ProjectorService } from './projector.service';

/** Events -> read models: a store subscription whose checkpoint commits with its writes. */
@Module({
  providers: [ProjectorMetrics, ProjectorService],
  exports: [ProjectorService],
})
export class ProjectorModule {}
