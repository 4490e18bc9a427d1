import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@cm/platform';
import type { AppConfig } from '@cm/platform';
import { ALERT_STREAM_OPTIONS, AlertStreamHub } from './alert-stream.hub';
import type { AlertStreamOptions } from './alert-stream.hub';
import { AlertStreamController } from './alert-stream.controller';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

/** The stream's bounds from the configuration (ALERTS_HEARTBEAT_MS, ALERTS_STREAM_*). */
export function alertStreamOptions(config: AppConfig): AlertStreamOptions {
  const { heartbeatMs, bufferBytes, stallMs, streamsPerKey } = config.alertStream;
  return { heartbeatMs, bufferBytes, stallMs, streamsPerKey, pollIntervalMs: 1000 };
}

/** The alert calls of docs/API.md: list, get, acknowledge, resolve, and the SSE stream. */
@Module({
  // The stream's controller comes first so that /v1/alerts/stream is not read as an alert id.
  controllers: [AlertStreamController, AlertsController],
  providers: [
    AlertsService,
    AlertStreamHub,
    { provide: ALERT_STREAM_OPTIONS, inject: [APP_CONFIG], useFactory: alertStreamOptions },
  ],
  exports: [AlertStreamHub],
})
export class AlertsHttpModule {}
