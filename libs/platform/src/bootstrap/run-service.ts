import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { AppConfig, ConfigError, loadConfig } from '../config/app-config';
import { resolveDatabase, ResolvedDatabase } from '../database/database-bootstrap';
import { createHttpApp, HttpAppOptions } from '../http/http-app';

export interface ServiceDefinition {
  /** Process name in logs and pg_stat_activity. */
  name: string;
  http: Omit<HttpAppOptions, 'logger'>;
  rootModule(context: { config: AppConfig; database: ResolvedDatabase }): DynamicModule;
}

/**
 * Start-up shared by every app: configuration (a wrong value stops the process naming the
 * variable), the database (embedded when DATABASE_URL is unset) and its migrations, the HTTP
 * server, and a clean stop on SIGINT/SIGTERM that closes the app before the database.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  const bootLog = pino({ name: definition.name, level: process.env.LOG_LEVEL ?? 'info' });
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
  if (!config.apiKeys) {
    bootLog.warn(
      'API_KEYS is unset: access is OPEN to anyone who can reach this port; listening on 127.0.0.1 only',
    );
  }

  const database = await resolveDatabase(config, (message) => bootLog.info(message));
  if (database.migrationsApplied.length > 0) {
    bootLog.info({ migrations: database.migrationsApplied }, 'migrations applied');
  }
  let app: NestFastifyApplication | undefined;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    bootLog.info({ signal }, 'stopping');
    try {
      await app?.close();
    } finally {
      await database.stop();
      bootLog.info('stopped');
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  try {
    app = await createHttpApp(definition.rootModule({ config, database }), definition.http);
    await app.listen(config.port, config.host);
  } catch (error) {
    bootLog.error({ err: error }, 'start-up failed');
    await app?.close().catch(() => undefined);
    await database.stop();
    process.exit(1);
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host;
  bootLog.info(
    { url: `http://${shownHost}:${port}`, database: database.embedded ? 'embedded' : 'external' },
    'listening',
  );
  // Said once on stdout, plainly, for whoever typed `npm start`.
  process.stdout.write(
    `\n  ${definition.name} is serving http://${shownHost}:${port}  (API docs: http://${shownHost}:${port}/docs)\n\n`,
  );
}
