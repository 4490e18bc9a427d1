// The public door of @cm/alerter: the alerter process (the store subscription or Kafka
// consumer group running the escalation engine). The alert domain, store and rules are
// @cm/alerts.
export { AlerterModule } from './alerter.module';
export { AlerterService } from './alerter.service';
export { Alerter, ALERTER_GROUP, ALERTER_SUBSCRIPTION } from './alerter';
export { ALERTER_EVENTS } from './alerter-events.provider';
export type { AlerterOptions } from './alerter';
