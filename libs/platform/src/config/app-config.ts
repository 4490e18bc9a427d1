import { isAbsolute, resolve } from 'node:path';
import { ApiKey, parseApiKeys } from '../auth/api-keys';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** Unset: an embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly dataDir: string;
  /** Empty: no Kafka, embedded mode. */
  readonly kafkaBrokers: readonly string[];
  /** Undefined when API_KEYS is unset: access is open and the server binds loopback only. */
  readonly apiKeys: readonly ApiKey[] | undefined;
  readonly logLevel: LogLevel;
  readonly rulesDir: string;
  readonly alertStream: AlertStreamConfig;
}

/** The alert stream's bounds (GET /v1/alerts/stream); see README, "Alert stream". */
export interface AlertStreamConfig {
  /** ALERTS_HEARTBEAT_MS: a comment line this often, so proxies and dead peers show up. */
  readonly heartbeatMs: number;
  /** ALERTS_STREAM_BUFFER_BYTES: a client's unsent output past this cuts it off. */
  readonly bufferBytes: number;
  /** ALERTS_STREAM_STALL_MS: a client that has not taken its output for this long is cut off. */
  readonly stallMs: number;
  /** ALERTS_STREAMS_PER_KEY: open streams per API key; one more is answered 429. */
  readonly streamsPerKey: number;
  /** ALERTS_STREAM_TOKEN_TTL_SECONDS: how long a stream token may be used to connect. */
  readonly tokenTtlSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and checks every variable at once, so a bad start-up names all the wrong ones.
 * Nothing falls back silently: a value that is set but wrong is an error, never a default.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const problems: { variable: string; message: string }[] = [];
  const problem = (variable: string, message: string): void => {
    problems.push({ variable, message });
  };
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problem(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const port = integer('PORT', 3000, 0, 65535);
  const databasePoolSize = integer('DATABASE_POOL_SIZE', 20, 1, 500);

  const databaseUrl = text('DATABASE_URL');
  if (databaseUrl !== undefined) {
    try {
      const url = new URL(databaseUrl);
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        problem(
          'DATABASE_URL',
          `must be a postgres:// or postgresql:// URL, got "${url.protocol}"`,
        );
      }
    } catch {
      problem('DATABASE_URL', 'is not a URL (postgres://user:password@host:port/database)');
    }
  }

  const kafkaBrokers = (text('KAFKA_BROKERS') ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  for (const broker of kafkaBrokers) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      problem('KAFKA_BROKERS', `"${broker}" is not host:port`);
    }
  }

  let apiKeys: readonly ApiKey[] | undefined;
  const rawKeys = text('API_KEYS');
  if (rawKeys !== undefined) {
    const parsed = parseApiKeys(rawKeys);
    if (parsed.ok) apiKeys = parsed.keys;
    else problem('API_KEYS', parsed.message);
  }

  const rawLevel = text('LOG_LEVEL') ?? 'info';
  let logLevel: LogLevel = 'info';
  if ((LOG_LEVELS as readonly string[]).includes(rawLevel)) logLevel = rawLevel as LogLevel;
  else problem('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${rawLevel}"`);

  const rawHost = text('HOST');
  const host = rawHost ?? (apiKeys ? '0.0.0.0' : '127.0.0.1');
  if (!apiKeys && rawHost !== undefined && !isLoopback(rawHost)) {
    problem(
      'HOST',
      `is "${rawHost}" but API_KEYS is unset: open access is only served on 127.0.0.1; set API_KEYS to listen elsewhere`,
    );
  }

  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(cwd, path));
  const dataDir = absolute(text('DATA_DIR') ?? '.data');
  const rulesDir = absolute(text('RULES_DIR') ?? 'infra/rules');

  const alertStream: AlertStreamConfig = {
    heartbeatMs: integer('ALERTS_HEARTBEAT_MS', 15_000, 10, 600_000),
    bufferBytes: integer('ALERTS_STREAM_BUFFER_BYTES', 1024 * 1024, 4096, 256 * 1024 * 1024),
    stallMs: integer('ALERTS_STREAM_STALL_MS', 30_000, 100, 3_600_000),
    streamsPerKey: integer('ALERTS_STREAMS_PER_KEY', 20, 1, 100_000),
    tokenTtlSeconds: integer('ALERTS_STREAM_TOKEN_TTL_SECONDS', 60, 1, 3600),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    databaseUrl,
    databasePoolSize,
    dataDir,
    kafkaBrokers,
    apiKeys,
    logLevel,
    rulesDir,
    alertStream,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
