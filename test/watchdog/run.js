#!/usr/bin/env node
// `npm test`: Jest under a deadline. A leaked client or a hook that never returns must fail
// the run in bounded time, naming what was still running, instead of holding a CI job until
// its own limit. TEST_DEADLINE_MINUTES (default 40) bounds the whole run; when it passes,
// the still-running test files (and their last test) are printed, Jest and everything it
// started (its process group: workers, the embedded PostgreSQL) get SIGTERM, then SIGKILL
// 15 s later, and the exit code is 124 (as timeout(1)). Arguments go on to Jest.
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { delimiter, dirname, join, relative } = require('node:path');

const root = join(__dirname, '..', '..');
const raw = process.env.TEST_DEADLINE_MINUTES;
const minutes = raw === undefined || raw.trim() === '' ? 40 : Number(raw);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`TEST_DEADLINE_MINUTES: must be a positive number of minutes, got "${raw}"`);
  process.exit(78);
}

const scratch = mkdtempSync(join(tmpdir(), 'cm-test-watchdog-'));
const log = join(scratch, 'progress.jsonl');
const args = [
  require.resolve('jest/bin/jest'),
  ...process.argv.slice(2),
  // After the last test, exit even if a handle is left open (Jest says so, and names the
  // open handles with --detectOpenHandles).
  '--forceExit',
  // Last: --reporters takes a list, and would swallow the test paths that followed it.
  '--reporters=default',
  `--reporters=${join(__dirname, 'reporter.js')}`,
];
const started = Date.now();
const jest = spawn(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  // Its own process group, so that the deadline ends the workers and databases with it.
  detached: true,
  // This Node's folder first on PATH: what the tests start by name (`npm run build`, swc's
  // `#!/usr/bin/env node`) runs on the same Node as Jest (the Node 24 of .ci/run, say).
  env: {
    ...process.env,
    PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter),
    TEST_WATCHDOG_LOG: log,
  },
});

function signalGroup(signal) {
  try {
    process.kill(-jest.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Test files started and not finished, with their last test, from the reporter's lines. */
function stillRunning() {
  let text;
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  const running = new Map();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line);
    if (entry.event === 'start') running.set(entry.path, { since: entry.at });
    else if (entry.event === 'end') running.delete(entry.path);
    else if (entry.event === 'case' && running.has(entry.path)) {
      running.get(entry.path).test = entry.name;
      running.get(entry.path).testSince = entry.at;
    }
  }
  return [...running].map(([path, state]) => ({ path: relative(root, path), ...state }));
}

let timedOut = false;
const deadline = setTimeout(() => {
  timedOut = true;
  const now = Date.now();
  const seconds = (since) => `${Math.round((now - since) / 1000)} s`;
  const lines = stillRunning().map(
    (file) =>
      `  ${file.path} (running for ${seconds(file.since)})` +
      (file.test ? `\n    last test started: "${file.test}" (${seconds(file.testSince)} ago)` : ''),
  );
  console.error(
    `\nnpm test: the run passed its deadline of ${minutes} min (TEST_DEADLINE_MINUTES) and is stopped.\n` +
      (lines.length
        ? `Still running:\n${lines.join('\n')}\n`
        : 'No test file was running: Jest itself did not exit (an open handle after the tests?).\n'),
  );
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), 15_000).unref();
}, minutes * 60_000);

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    signalGroup(signal);
    setTimeout(() => signalGroup('SIGKILL'), 15_000).unref();
  });
}

jest.on('exit', (code, signal) => {
  clearTimeout(deadline);
  rmSync(scratch, { recursive: true, force: true });
  // Whatever Jest left behind in its group (a worker, a database) goes with it.
  signalGroup('SIGKILL');
  if (timedOut) process.exit(124);
  if (signal)
    console.error(
      `npm test: Jest ended by ${signal} after ${Math.round((Date.now() - started) / 1000)} s`,
    );
  process.exit(code ?? 1);
});
