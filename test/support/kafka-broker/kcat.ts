import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * kcat (librdkafka), a second Kafka client that shares nothing with kafkajs. CI installs it
 * (apt-get install -y kcat); where it is missing, tests that use it are skipped, loudly, and
 * fail under CI.
 */
export const hasKcat = spawnSync('kcat', ['-V']).status === 0;
if (!hasKcat) {
  console.warn(
    process.env.CI
      ? 'kcat does not run from PATH: the kcat tests will fail (CI must apt-get install -y kcat)'
      : 'kcat does not run from PATH: skipping the kcat tests (apt-get install -y kcat to run them)',
  );
}

/** `it` where kcat runs or under CI (where its absence must fail), else `it.skip`. */
export const itWithKcat: jest.It = hasKcat || process.env.CI ? it : it.skip;

export function kcat(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('kcat', args, { timeout: 45_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * Reads `topic` (one partition, or all) with kcat as a plain consumer, from `offset` to the
 * end, and returns one line a message as `format` (kcat's -f, e.g. '%k %s') prints it.
 */
export async function kcatConsume(options: {
  broker: string;
  topic: string;
  partition?: number;
  /** 'beginning', 'end' or an offset. */
  offset: string;
  format: string;
  /** librdkafka properties (kcat -X). */
  config?: Record<string, string>;
}): Promise<string[]> {
  const { stdout } = await kcat([
    '-C',
    '-b',
    options.broker,
    '-t',
    options.topic,
    ...(options.partition === undefined ? [] : ['-p', String(options.partition)]),
    '-o',
    options.offset,
    '-e',
    '-q',
    ...Object.entries(options.config ?? {}).flatMap(([key, value]) => ['-X', `${key}=${value}`]),
    '-f',
    `${options.format}\n`,
  ]);
  return stdout.split('\n').filter((line) => line !== '');
}

export interface KcatMessage {
  key: string;
  value: string;
  headers?: Record<string, string>;
}

/**
 * Produces `messages` with kcat (librdkafka) to one partition, compressed with `codec`
 * (librdkafka's compression.codec), in as few batches as librdkafka makes: one per call here,
 * since they share key and headers and go out together. Messages of one call must share their
 * key and headers (kcat takes them per run); each value is a file, so it may hold anything.
 */
export async function kcatProduce(options: {
  broker: string;
  topic: string;
  partition: number;
  codec: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  key: string;
  headers?: Record<string, string>;
  values: string[];
}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kcat-'));
  try {
    const files = await Promise.all(
      options.values.map(async (value, i) => {
        const file = join(dir, `m${i}`);
        await writeFile(file, value);
        return file;
      }),
    );
    const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
    await kcat([
      '-P',
      '-b',
      options.broker,
      '-t',
      options.topic,
      '-p',
      String(options.partition),
      '-k',
      options.key,
      ...headers,
      '-X',
      `compression.codec=${options.codec}`,
      // One batch: wait for all the files before sending.
      '-X',
      'linger.ms=200',
      '-X',
      'api.version.request=true',
      ...files,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
