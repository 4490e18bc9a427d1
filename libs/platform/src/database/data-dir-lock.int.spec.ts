import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../bootstrap/startup-error';
import { LOCK_FILE, lockDataDir } from './data-dir-lock';

describe('lockDataDir', () => {
  const dirs: string[] = [];
  const freshDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('writes our pid, refuses a live owner with a sentence naming it, and releases', () => {
    const dir = freshDir();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));

    // Another process's view: our pid in the file is a live owner.
    const parentPid = process.ppid;
    writeFileSync(join(dir, LOCK_FILE), `${parentPid}\n`);
    expect(() => lockDataDir(dir)).toThrow(StartupError);
    expect(() => lockDataDir(dir)).toThrow(
      `Another monitor (pid ${parentPid}) is already using DATA_DIR ${dir}`,
    );

    // Release leaves alone a lock that is no longer ours.
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });

  it('takes over a lock whose owner is dead (a monitor killed with kill -9)', () => {
    const dir = freshDir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(gone.stdout.toString());
    writeFileSync(join(dir, LOCK_FILE), `${deadPid}\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
