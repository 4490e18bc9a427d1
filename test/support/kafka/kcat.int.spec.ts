import { execFile, spawnSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaTestBroker } from './kafka-test-broker';

jest.setTimeout(60_000);

// librdkafka (Debian's, through kcat) as a second, independent client. On CI kcat must be there.
const hasKcat = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasKcat && !process.env.CI) {
  console.warn('kcat is not on PATH (apt-get install -y kcat): skipping the librdkafka test');
}
const itWithKcat = hasKcat || process.env.CI ? it : it.skip;

function kcat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kcat', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('KafkaTestBroker: librdkafka (kcat) as a client', () => {
  let broker: KafkaTestBroker;
  const diagnostics: string[] = [];

  beforeEach(async () => {
    broker = await KafkaTestBroker.start({ log: (m) => diagnostics.push(m) });
  });

  afterEach(async () => {
    await broker.stop();
  });

  itWithKcat('consumes with kcat what the kafkajs producer wrote', async () => {
    broker.createTopic('kcat-topic', 2);
    const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let i = 0; i < 30; i += 10) {
        await producer.send({
          topic: 'kcat-topic',
          messages: Array.from({ length: 10 }, (_, j) => ({
            partition: (i + j) % 2,
            key: `key-${i + j}`,
            value: `value ${i + j}`,
          })),
        });
      }
    } finally {
      await producer.disconnect();
    }

    const result = await kcat([
      '-C',
      '-b',
      broker.brokers[0],
      '-t',
      'kcat-topic',
      '-p',
      '0',
      '-o',
      'beginning',
      '-e',
      '-f',
      '%k %s\n',
    ]);
    const context = `kcat exit ${result.code}\n${result.stderr}\nbroker: ${diagnostics.join('\n')}`;
    expect({ code: result.code, context: result.code === 0 ? '' : context }).toEqual({
      code: 0,
      context: '',
    });
    const expected = Array.from({ length: 15 }, (_, i) => `key-${2 * i} value ${2 * i}`);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(expected);
    expect(diagnostics).toEqual([]);
  });

  itWithKcat('lists the topics and partitions through librdkafka metadata', async () => {
    broker.createTopic('listed', 3);
    const result = await kcat(['-L', '-b', broker.brokers[0], '-t', 'listed']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('topic "listed" with 3 partitions');
    expect(result.stdout).toMatch(/partition 2, leader 0, replicas: 0, isrs: 0/);
  });
});
