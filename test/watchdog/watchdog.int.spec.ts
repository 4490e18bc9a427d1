import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** `npm test`'s runner on one fixture file, with its own small Jest config. */
function runWatchdog(
  fixture: string,
  deadlineMinutes: string,
): Promise<{ code: number | null; output: string }> {
  const config = JSON.stringify({
    rootDir: root,
    testMatch: [`<rootDir>/test/watchdog/fixtures/${fixture}`],
    transform: {},
  });
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        join(__dirname, 'run.js'),
        '--config',
        config,
        // A path, as `npm test -- <path>` gives one: it must reach Jest as a path.
        `test/watchdog/fixtures/${fixture}`,
      ],
      {
        cwd: root,
        env: { ...process.env, TEST_DEADLINE_MINUTES: deadlineMinutes },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm test under its watchdog (test/watchdog/run.js)', () => {
  it('stops a run that passes TEST_DEADLINE_MINUTES with 124, naming the file and test still running', async () => {
    const { code, output } = await runWatchdog('hangs.fixture.js', '0.15');
    expect(code).toBe(124);
    expect(output).toContain('passed its deadline of 0.15 min (TEST_DEADLINE_MINUTES)');
    expect(output).toContain('test/watchdog/fixtures/hangs.fixture.js');
    expect(output).toContain('last test started: "waits forever"');
  }, 120_000);

  it('ends a run whose tests passed but left a handle open, with their exit code', async () => {
    const { code, output } = await runWatchdog('leaks.fixture.js', '5');
    expect(code).toBe(0);
    expect(output).toContain('1 passed');
    expect(output).not.toContain('passed its deadline');
  }, 120_000);

  it('refuses a deadline that is not a positive number, naming the variable', async () => {
    const { code, output } = await runWatchdog('leaks.fixture.js', 'soon');
    expect(code).toBe(78);
    expect(output).toContain('TEST_DEADLINE_MINUTES');
  }, 120_000);
});
