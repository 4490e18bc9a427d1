import { Module } from '@nestjs/common';
import { ALERT_STREAM_OPTIONS, AlertStreamHub } from './alert-stream.hub';
import type { AlertStreamOptions } from './alert-stream.hub';
import { AlertStreamController } from './alert-stream.controller';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

/**
 * ALERTS_HEARTBEAT_MS (default 15000): how often an idle alert stream gets a comment line.
 * A set but wrong value stops start-up naming the variable, as every setting does.
 */
export function alertStreamOptions(env: NodeJS.ProcessEnv = process.env): AlertStreamOptions {
  const raw = env.ALERTS_HEARTBEAT_MS?.trim();
  let heartbeatMs = 15_000;
  if (raw) {
    heartbeatMs = Number(raw);
    if (!/^\d+$/.test(raw) || heartbeatMs < 10 || heartbeatMs > 600_000) {
      throw new Error(
        `Invalid configuration:\n  ALERTS_HEARTBEAT_MS: must be an integer from 10 to 600000, got "${raw}"`,
      );
    }
  }
  return { heartbeatMs, pollIntervalMs: 1000 };
}

/** The alert calls of CONTRACT.md: list, get, acknowledge, resolve, and the SSE stream. */
@Module({
  // The stream's controller comes first so that /v1/alerts/stream is not read as an alert id.
  controllers: [AlertStreamController, AlertsController],
  providers: [
    AlertsService,
    AlertStreamHub,
    { provide: ALERT_STREAM_OPTIONS, useFactory: () => alertStreamOptions() },
  ],
  exports: [AlertStreamHub],
})
export class AlertsHttpModule {}
