import { Module } from '@nestjs/common';
import { MessagingModule } from '@cm/messaging';
import { AlerterService } from './alerter.service';
import { ActiveRulesModule } from '@cm/alerts';

/** Events -> escalation rules -> alerts: a store subscription whose checkpoint commits with its writes. */
@Module({
  imports: [ActiveRulesModule, MessagingModule],
  providers: [AlerterService],
  exports: [AlerterService],
})
export class AlerterModule {}
