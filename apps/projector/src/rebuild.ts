import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  EMBEDDED_DATABASE_NAME,
  loadConfig,
  resolveDatabase,
  runMigrations,
  type AppConfig,
} from '@cm/platform';
import { TOPICS } from '@cm/contracts';
import { describeParked, loadCheckpoint } from '@cm/event-store';
import { raiseGroupFloor } from '@cm/messaging';
import { PROJECTOR_SUBSCRIPTION, rebuildReadModels } from '@cm/read-models';
import { Pool } from 'pg';
import { holdRebuildLock, PROJECTOR_GROUP } from './rebuild-lock';

/**
 * `npm run rebuild:read-models`: empties the read models and replays every stored event into them.
 * Uses DATABASE_URL, or the embedded database under DATA_DIR (default .data/) as `npm start`
 * does: the running one when a monitor has it open, else it starts it for the rebuild.
 * Safe while projectors run: see resetReadModels. Projectors on Kafka (distributed mode) wait
 * while it runs (rebuild-lock.ts) and afterwards drop every message up to where it got.
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const database = await openDatabase(config);
  const pool = new Pool({ connectionString: database.url, max: 4, application_name: 'rebuild' });
  pool.on('error', () => undefined);
  const lockHolder = await pool.connect();
  const releaseLock = await holdRebuildLock(lockHolder);
  try {
    let lastShown = 0;
    const result = await rebuildReadModels(pool, {
      onProgress: ({ position, head }) => {
        if (performance.now() - lastShown < 1000) return;
        lastShown = performance.now();
        say(`  at position ${position} of ${head}`);
      },
      onFailure: (sentence) => say(`  ${sentence}`),
      onParked: (parked) => say(`  ${describeParked(parked)}`),
    });
    const seconds = result.elapsedMs / 1000;
    say(
      `Rebuilt the read models from ${result.events} events in ${seconds.toFixed(1)} s: ` +
        `${Math.round(result.events / Math.max(seconds, 0.001))} events/s`,
    );
    if (result.parked.length > 0) {
      say(
        `${result.parked.length} event(s) could not be projected and are parked (not in the ` +
          `read models; /health/ready answers 503 HEALTH.DEGRADED until they are settled with ` +
          `POST /v1/admin/parked/projector/{position}/retry or /discard):`,
      );
      for (const parked of result.parked) {
        say(
          `  position ${parked.position} (event ${parked.eventId}, stream ${parked.streamId}, ` +
            `type ${parked.type}): ${parked.error.code ? `[${parked.error.code}] ` : ''}${parked.error.message}`,
        );
      }
    }
    // Everything up to the projector's checkpoint is in the read models now: Kafka consumers
    // of group `projector` (distributed mode) must not project it again.
    const reached = await loadCheckpoint(pool, PROJECTOR_SUBSCRIPTION);
    await raiseGroupFloor(pool, PROJECTOR_GROUP, TOPICS.reports, reached);
  } finally {
    await releaseLock().catch(() => undefined);
    lockHolder.release();
    await pool.end();
    await database.stop();
  }
}

async function openDatabase(
  config: AppConfig,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const running = config.databaseUrl ? undefined : runningEmbeddedPort(config.dataDir);
  if (running) {
    // A monitor has the embedded cluster open: use it rather than start a second one.
    const url = `postgres://postgres:postgres@127.0.0.1:${running}/${EMBEDDED_DATABASE_NAME}`;
    await runMigrations(url);
    say(`Using the running embedded PostgreSQL on port ${running}`);
    return { url, stop: async () => undefined };
  }
  const database = await resolveDatabase(config, (_level, message) => say(message));
  return { url: database.url, stop: () => database.stop() };
}

/** The port in postmaster.pid (its fourth line) when that postmaster is alive. */
function runningEmbeddedPort(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
  } catch {
    return undefined;
  }
  return Number(port) || undefined;
}

/** Progress and the result, for whoever typed `npm run rebuild:read-models`. */
function say(message: string): void {
  process.stdout.write(`${message}\n`);
}

main().catch((error: unknown) => {
  // A sentence, not a stack: the rebuild's own errors name the event and the cause.
  console.error(error instanceof Error ? `Rebuild failed: ${error.message}` : error);
  process.exit(1);
});
