import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { KafkaTestBroker } from './kafka-test-broker';

/** A kafkajs client for the test broker: quiet, with retries generous enough for 2 busy cores. */
export function kafkaFor(
  broker: KafkaTestBroker,
  clientId: string,
  config: Partial<KafkaConfig> = {},
): Kafka {
  return new Kafka({
    clientId,
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2_000 },
    ...config,
  });
}

/** Polls until `check` holds; fails with `what` after `timeoutMs` (a bound, never a measurement). */
export async function waitUntil(
  what: string,
  check: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
