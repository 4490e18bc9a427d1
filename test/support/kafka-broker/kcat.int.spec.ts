import { KafkaTestBroker } from './kafka-test-broker';
import { kafkaFor } from './kafka-test-clients';
import { hasKcat, itWithKcat, kcat } from './kcat';

jest.setTimeout(60_000);

describe('Kafka test broker read by kcat (librdkafka)', () => {
  let broker: KafkaTestBroker;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
  }, 120_000);

  afterEach(async () => {
    await broker.stop();
    expect(broker.errors).toEqual([]);
  }, 120_000);

  itWithKcat('sees every message a kafkajs idempotent producer wrote', async () => {
    if (!hasKcat)
      throw new Error('kcat does not run from PATH; CI must install it (apt-get install -y kcat)');
    broker.createTopic('conflict.alerts.v1', 3);
    const producer = kafkaFor(broker, 'alerter').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `theatre-${i % 4}`,
      value: `alert-${i}`,
    }));
    try {
      for (let i = 0; i < sent.length; i += 5) {
        await producer.send({ topic: 'conflict.alerts.v1', messages: sent.slice(i, i + 5) });
      }
    } finally {
      await producer.disconnect();
    }

    const { stdout } = await kcat([
      '-C',
      '-b',
      broker.brokers[0],
      '-t',
      'conflict.alerts.v1',
      '-o',
      'beginning',
      '-e',
      '-q',
      '-X',
      'api.version.request=true',
      '-f',
      '%k %s\n',
    ]);

    const lines = stdout.split('\n').filter((line) => line !== '');
    expect(lines.sort()).toEqual(sent.map((m) => `${m.key} ${m.value}`).sort());
  });
});
