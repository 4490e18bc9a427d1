import { Logger as NestLogger, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino, { type Logger } from 'pino';
import { terminalLogDestination } from './terminal-logs';
import type { AppConfig } from '../config/app-config';
import { ConfigError, configuredRulesDir, loadConfig } from '../config/app-config';
import type { ResolvedDatabase } from '../database/database-bootstrap';
import { resolveDatabase } from '../database/database-bootstrap';
import { isDatabaseUnavailable } from '../plumbing';
import type { SupervisionEvent } from '../database/embedded-postgres';
import type { HttpAppOptions } from '../http/http-app';
import { createHttpApp } from '../http/http-app';
import { StartupError } from './startup-error';

export interface ConfigProblem {
  variable: string;
  message: string;
}

export interface ServiceDefinition {
  /** Process name in logs and pg_stat_activity. */
  name: string;
  http: Omit<HttpAppOptions, 'logger'>;
  rootModule(context: { config: AppConfig; database: ResolvedDatabase }): DynamicModule;
  /**
   * Checks of configured files (RULES_DIR's rules) that must fail before anything starts;
   * their problems are reported with the variables' own, all at once.
   */
  checkConfig?(context: { rulesDir: string }): Promise<ConfigProblem[]>;
}

/** EX_CONFIG of sysexits.h: the configuration is wrong, restarting will not help. */
export const EXIT_CONFIG = 78;
/** Signals that end the service cleanly; SIGHUP is a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** A stop that hangs (a dependency that never answers) is cut short after this. */
const STOP_TIMEOUT_MS = 20_000;

/**
 * Start-up shared by every app: configuration (every wrong variable named at once, exit 78,
 * before anything starts), the database (embedded and supervised when DATABASE_URL is
 * unset) and its migrations, the HTTP server, and a clean stop on SIGINT, SIGTERM or SIGHUP
 * that closes the app before the database. A user's mistake ends in one sentence, never a
 * stack trace.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  const config = await loadConfigOrExit(definition);
  const terminal = terminalLogDestination();
  const bootOptions = { name: definition.name, level: config.logLevel };
  const bootLog = terminal ? pino(bootOptions, terminal) : pino(bootOptions);
  routeConsoleToLog(bootLog);
  if (!config.apiKeys) {
    bootLog.warn(
      'API_KEYS is unset: access is OPEN to anyone who can reach this port; listening on 127.0.0.1 only',
    );
  }

  let app: NestFastifyApplication | undefined;
  let database: ResolvedDatabase | undefined;
  let stopping = false;
  const exit = (code: number): never => {
    process.exit(code);
  };
  const stop = async (reason: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    bootLog.info({ reason }, 'stopping');
    setTimeout(() => {
      bootLog.error({ reason }, `stop took over ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
      exit(code || 1);
    }, STOP_TIMEOUT_MS).unref();
    try {
      await app?.close();
    } catch (error) {
      bootLog.warn({ err: error }, 'closing the app failed');
    }
    try {
      await database?.stop();
    } catch (error) {
      bootLog.warn({ err: error }, 'stopping the database failed');
    }
    bootLog.info('stopped');
    exit(code);
  };
  const supervise = (event: SupervisionEvent): boolean => {
    // A Ctrl-C in a terminal reaches the postmaster too, which may go before we stop it.
    if (stopping) return false;
    if (event.kind === 'crashed') {
      bootLog.error(event, 'the embedded PostgreSQL died; restarting it');
    } else if (event.kind === 'restarted') {
      bootLog.warn(event, 'the embedded PostgreSQL was restarted; the service recovers by itself');
    } else {
      bootLog.fatal(event, 'the embedded PostgreSQL cannot be restarted; exiting');
      void stop('embedded PostgreSQL lost', 1);
    }
    return true;
  };

  try {
    database = await resolveDatabase(
      config,
      (level, message, extra) => bootLog[level](extra ?? {}, message),
      { supervise },
    );
    if (database.migrationsApplied.length > 0) {
      bootLog.info({ migrations: database.migrationsApplied }, 'migrations applied');
    }
    // The stop is ours alone from here: the embedded-postgres library hooks these signals
    // to stop PostgreSQL at once (before the app has closed, so requests and subscriptions
    // in flight meet a dead database), and on SIGHUP it left the process alive.
    for (const signal of STOP_SIGNALS) {
      process.removeAllListeners(signal);
      process.once(signal, () => void stop(signal));
    }
    app = await createHttpApp(definition.rootModule({ config, database }), definition.http);
    await app.listen(config.port, config.host);
  } catch (error) {
    if (stopping) return; // a signal during start-up: its stop is under way
    stopping = true;
    const sentence = startupSentence(error, config);
    if (sentence) process.stderr.write(`${definition.name}: ${sentence}\n`);
    else bootLog.error({ err: error }, 'start-up failed');
    await app?.close().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    exit(1);
  }
  if (!app || !database) return;
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

/** Every configuration problem at once, as plain lines on stderr, then exit 78. */
async function loadConfigOrExit(definition: ServiceDefinition): Promise<AppConfig> {
  const problems: ConfigProblem[] = [];
  let config: AppConfig | undefined;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (definition.checkConfig && !problems.some((p) => p.variable === 'RULES_DIR')) {
    problems.push(...(await definition.checkConfig({ rulesDir: configuredRulesDir() })));
  }
  if (problems.length > 0 || !config) {
    process.stderr.write(`${new ConfigError(problems).message}\n`);
    process.exit(EXIT_CONFIG);
  }
  return config;
}

/**
 * A failure that is the user's situation gets its one sentence: another monitor on the
 * data directory, a database or Kafka that cannot be reached. Anything else is a bug and
 * is logged with its stack.
 */
function startupSentence(error: unknown, config: AppConfig): string | undefined {
  if (error instanceof StartupError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const name = (error as { name?: unknown })?.name;
  if (typeof name === 'string' && name.startsWith('KafkaJS')) {
    return `Cannot reach Kafka at KAFKA_BROKERS=${config.kafkaBrokers.join(',')}: ${message}.`;
  }
  if (isDatabaseUnavailable(error)) {
    return `The database stopped answering during start-up: ${message}.`;
  }
  return undefined;
}

/**
 * Libraries and a few defaults print with console.error/warn; on a service whose output is
 * JSON lines those become multi-line dumps. Send them through the log instead.
 */
function routeConsoleToLog(log: Logger): void {
  // Nest's own start-up lines (and a failed start's) until the app's logger takes over.
  const nest =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (...parts: unknown[]): void => {
      // Nest passes (message, context); kafkajs through Nest (details, message).
      const texts = parts.filter((part): part is string => typeof part === 'string');
      const first = parts[0];
      const details =
        first instanceof Error ? { err: first } : typeof first === 'object' && first ? first : {};
      log[level](details, texts.length > 1 ? `${texts[1]}: ${texts[0]}` : (texts[0] ?? ''));
    };
  NestLogger.overrideLogger({
    log: nest('info'),
    error: nest('error'),
    warn: nest('warn'),
    debug: nest('debug'),
    verbose: nest('debug'),
    fatal: nest('error'),
  });
  const forward =
    (level: 'error' | 'warn' | 'info') =>
    (...args: unknown[]): void => {
      const err = args.find((arg) => arg instanceof Error);
      const text = args
        .filter((arg) => !(arg instanceof Error))
        .map((arg) => (typeof arg === 'string' ? arg : safeJson(arg)))
        .join(' ');
      log[level](err ? { err } : {}, text);
    };
  console.error = forward('error');
  console.warn = forward('warn');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
