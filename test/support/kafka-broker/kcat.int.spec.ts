import { execFile, spawnSync } from 'node:child_process';
import { KafkaTestBroker } from './kafka-test-broker';
import { kafkaFor } from './kafka-test-clients';

jest.setTimeout(60_000);

/**
 * kcat (librdkafka) is a second client that shares nothing with kafkajs. CI installs it
 * (apt-get install -y kcat); on a developer machine without it this test is skipped, loudly.
 */
const hasKcat = spawnSync('kcat', ['-V']).status === 0;
if (!hasKcat) {
  console.warn(
    process.env.CI
      ? 'kcat does not run from PATH: the kcat test will fail (CI must apt-get install -y kcat)'
      : 'kcat does not run from PATH: skipping the kcat test (apt-get install -y kcat to run it)',
  );
}
const itWithKcat = hasKcat || process.env.CI ? it : it.skip;

function kcat(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('kcat', args, { timeout: 45_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

describe('Kafka test broker read by kcat (librdkafka)', () => {
  let broker: KafkaTestBroker;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
  });

  afterEach(async () => {
    await broker.stop();
    expect(broker.errors).toEqual([]);
  });

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
