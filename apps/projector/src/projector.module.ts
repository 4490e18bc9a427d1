import { Module } from '@nestjs/common';
import { MessagingModule } from '@cm/messaging';
import { ProjectorMetrics } from './projector-metrics';
import { ProjectorService } from './projector.service';

/** Events -> read models: a store subscription whose checkpoint commits with its writes. */
@Module({
  imports: [MessagingModule],
  providers: [ProjectorMetrics, ProjectorService],
  exports: [ProjectorService],
})
export class ProjectorModule {}
