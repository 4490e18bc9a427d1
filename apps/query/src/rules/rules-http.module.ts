import { Module } from '@nestjs/common';
import { ActiveRulesModule } from '@cm/alerts';
import { EventStoreModule } from '@cm/platform';
import { RuleBacktestService } from './rule-backtest.service';
import { RulesController } from './rules.controller';

/** `GET /v1/rules` and `POST /v1/rules/backtest`, over the alerter's active rules. */
@Module({
  imports: [ActiveRulesModule, EventStoreModule],
  controllers: [RulesController],
  providers: [RuleBacktestService],
})
export class RulesHttpModule {}
