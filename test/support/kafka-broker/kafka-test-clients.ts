import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { KafkaTestBroker, type KafkaTestBrokerOptions } from './kafka-test-broker';

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

/**
 * A fresh test broker for each test of the enclosing describe block, handed to `use` before the
 * test and stopped after it; the test then fails if the broker recorded a protocol error.
 */
export function brokerPerTest(
  use: (broker: KafkaTestBroker) => void,
  options: KafkaTestBrokerOptions = {},
): void {
  let current: KafkaTestBroker | undefined;
  beforeEach(async () => {
    current = await KafkaTestBroker.start(options);
    use(current);
  }, 120_000);
  afterEach(async () => {
    const broker = current;
    current = undefined;
    if (!broker) return;
    await broker.stop();
    expect(broker.errors).toEqual([]);
  }, 120_000);
}

/** Polls until `check` holds (the tests' one polling helper, under its old name here). */
export { eventually as waitUntil } from '../eventually';
