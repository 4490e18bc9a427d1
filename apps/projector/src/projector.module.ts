import { Module } from '@nestjs/common';
import { MessagingModule } from '@cm/messaging';
import { projectorEventsProvider } from './projector-events.provider';
import { ProjectorMetrics } from './projector-metrics';
import { ProjectorService } from './projector.service';

/** Events -> read models: an event source whose progress commits with the writes. */
@Module({
  imports: [MessagingModule],
  providers: [projectorEventsProvider, ProjectorMetrics, ProjectorService],
  exports: [ProjectorService],
})
export class ProjectorModule {}
