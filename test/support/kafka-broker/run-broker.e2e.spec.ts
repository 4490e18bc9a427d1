import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { waitUntil } from './kafka-test-clients';

jest.setTimeout(120_000);

const root = resolve(__dirname, '../../..');

/** `npm run kafka:test-broker` runs the build of run-broker.ts: this builds it the same way. */
function buildBroker(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cm-broker-'));
  execFileSync(
    join(root, 'node_modules/.bin/swc'),
    ['test/support/kafka-broker', '-d', dir, '--config-file', '.swcrc', '--quiet'],
    { cwd: root, stdio: 'pipe' },
  );
  return dir;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | NodeJS.Signals | null>;
}

function run(dir: string, args: string[]): Running {
  const child = spawn(
    process.execPath,
    [join(dir, 'test/support/kafka-broker/run-broker.js'), ...args],
    {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_PATH: join(root, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((done) =>
    child.once('exit', (code, signal) => done(signal ?? code)),
  );
  return { child, output: () => output, exited };
}

describe('npm run kafka:test-broker (the test broker as a process)', () => {
  let dir: string;
  const running: Running[] = [];

  beforeAll(() => {
    dir = buildBroker();
  }, 120_000);

  afterAll(async () => {
    for (const process of running) {
      if (process.child.exitCode === null && process.child.signalCode === null) {
        process.child.kill('SIGKILL');
        await process.exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('serves kafkajs on the port it prints, and stops on SIGTERM saying it served every request', async () => {
    const broker = run(dir, ['--port', '0', '--partitions', '3', '--auto-create-topics']);
    running.push(broker);
    await waitUntil('it listens', () => /listening on \S+/.test(broker.output()), 60_000);
    // The warning is a second write to stdout: it may reach the pipe in a chunk of its own.
    await waitUntil(
      'it warns that it keeps nothing',
      () => broker.output().includes('stopping it loses every topic, message and committed offset'),
      10_000,
    );
    const address = /listening on (\S+)/.exec(broker.output())![1];

    const kafka = new Kafka({ clientId: 'cli', brokers: [address], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: 'cli-readers' });
    const admin = kafka.admin();
    const seen: string[] = [];
    try {
      await producer.connect();
      await producer.send({
        topic: 'conflict.reports.v1',
        messages: ['a', 'b', 'c'].map((value) => ({ key: value, value })),
      });
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: ['conflict.reports.v1'] });
      expect(metadata.topics[0].partitions).toHaveLength(3); // --partitions, auto-created
      await consumer.connect();
      await consumer.subscribe({ topic: 'conflict.reports.v1', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => void seen.push(String(message.value)),
      });
      await waitUntil('3 read back', () => seen.length === 3);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c']);

    broker.child.kill('SIGTERM');
    expect(await broker.exited).toBe(0);
    expect(broker.output()).toContain('kafka-test-broker stopped, 0 errors');
  });

  it('refuses a port that is no number, with its usage', async () => {
    const broker = run(dir, ['--port', 'ninety']);
    running.push(broker);
    expect(await broker.exited).toBe(2);
    expect(broker.output()).toContain('--port must be a port number');
  });
});
