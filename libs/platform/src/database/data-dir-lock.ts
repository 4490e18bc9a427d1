import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../bootstrap/startup-error';

export const LOCK_FILE = 'monitor.pid';

/**
 * One process per DATA_DIR: a lock file holding the owner's pid, created exclusively. A
 * lock whose pid is no longer alive (the owner was killed with kill -9) is stale and taken
 * over. Returns the release, which also runs on process exit.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        process.removeListener('exit', release);
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new StartupError(
        `Another monitor (pid ${owner}) is already using DATA_DIR ${dataDir}; stop it first, or give this one another DATA_DIR.`,
      );
    }
    // Stale: its owner is dead. Remove and try again (another starter may race us to it).
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it
    }
  }
  throw new StartupError(`Could not take the lock ${path}; is another monitor starting?`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
