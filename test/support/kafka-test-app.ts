import { KafkaTestBroker } from './kafka-broker/kafka-test-broker';
import { startTestApp, type TestApp } from './test-app';

export interface KafkaTestApp extends TestApp {
  /** The app's own Kafka test broker (topics created by the app); close() stops it. */
  readonly broker: KafkaTestBroker;
}

/**
 * The monitor in its distributed mode in one process (startTestApp with kafkaBrokers), on a
 * Kafka test broker of its own that creates no topic by itself. close() closes the app, then
 * stops the broker; a failed start stops it too.
 */
export async function startKafkaTestApp(
  options: Omit<Parameters<typeof startTestApp>[0], 'kafkaBrokers'> = {},
): Promise<KafkaTestApp> {
  const broker = await KafkaTestBroker.start({ autoCreateTopics: false });
  let app: TestApp;
  try {
    app = await startTestApp({ ...options, kafkaBrokers: broker.brokers });
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return {
    ...app,
    broker,
    close: async () => {
      try {
        await app.close();
      } finally {
        await broker.stop();
      }
    },
  };
}
