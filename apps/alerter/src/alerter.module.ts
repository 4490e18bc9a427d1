import { Module } from '@nestjs/common';
import { AlerterService } from './alerter.service';
import { ActiveRulesModule } from './rules/active-rules.module';

/** Events -> escalation rules -> alerts: a store subscription whose checkpoint commits with its writes. */
@Module({
  imports: [ActiveRulesModule],
  providers: [AlerterService],
  exports: [AlerterService],
})
export class AlerterModule {}
