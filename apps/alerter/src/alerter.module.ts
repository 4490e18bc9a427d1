import { Module } from '@nestjs/common';
import { MessagingModule } from '@cm/messaging';
import { alerterEventsProvider } from './alerter-events.provider';
import { AlerterMetrics } from './alerter-metrics';
import { AlerterService } from './alerter.service';
import { ActiveRulesModule } from '@cm/alerts';

/** Events -> escalation rules -> alerts: an event source whose progress commits with the writes. */
@Module({
  imports: [ActiveRulesModule, MessagingModule],
  providers: [alerterEventsProvider, AlerterMetrics, AlerterService],
  exports: [AlerterService],
})
export class AlerterModule {}
