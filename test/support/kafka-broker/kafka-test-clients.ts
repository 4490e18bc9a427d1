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

/** Polls until `check` holds (the tests' one polling helper, under its old name here). */
export { eventually as waitUntil } from '../eventually';
