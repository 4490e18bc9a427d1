import { execFile, spawnSync } from 'node:child_process';

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
