import { Module } from '@nestjs/common';
import { EventStoreModule } from '@cm/platform';
import { AdminHttpModule } from './admin/admin-http.module';
import { AlertsHttpModule } from './alerts/alerts-http.module';
import { EventFeedController } from './events/event-feed.controller';
import { ReadModelsHttpModule } from './read-models/read-models-http.module';
import { RulesHttpModule } from './rules/rules-http.module';

/**
 * HTTP reads: read models, the event feed, the alerts API and stream, rules and backtest; the
 * administration of parked events.
 */
@Module({
  imports: [
    EventStoreModule,
    RulesHttpModule,
    ReadModelsHttpModule,
    AlertsHttpModule,
    AdminHttpModule,
  ],
  controllers: [EventFeedController],
})
export class QueryModule {}
