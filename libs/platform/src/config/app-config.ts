import { BlockList, isIP } from 'node:net';
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ApiKey } from '../auth/api-keys';
import { parseApiKeys } from '../auth/api-keys';

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

/** KAFKA_COMPRESSION: how the relays compress what they produce (see README). */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];
/**
 * gzip unless configured: every Kafka client reads it without extra libraries (kafka-python,
 * for one, needs add-on modules for lz4, snappy and zstd), and Node compresses it in zlib on
 * its thread pool rather than on the event loop.
 */
export const DEFAULT_KAFKA_COMPRESSION: KafkaCompression = 'gzip';
/**
 * KAFKA_MAX_MESSAGE_BYTES unless configured: under Kafka's default `message.max.bytes`
 * (1,048,588) with room to spare.
 */
export const DEFAULT_KAFKA_MAX_MESSAGE_BYTES = 1_000_000;
/** KAFKA_STUCK_AFTER_MS unless configured: how long a partition may lag without moving. */
export const DEFAULT_KAFKA_STUCK_AFTER_MS = 60_000;

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** Unset: an embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly dataDir: string;
  /** Empty: no Kafka, embedded mode. */
  readonly kafkaBrokers: readonly string[];
  /** KAFKA_COMPRESSION: the codec of the relays' record batches. */
  readonly kafkaCompression: KafkaCompression;
  /** KAFKA_MAX_MESSAGE_BYTES: the most one partition's batch may take before compression. */
  readonly kafkaMaxMessageBytes: number;
  /**
   * KAFKA_STUCK_AFTER_MS: a consumer partition with stored events it has not handled and no
   * progress for this long makes /health/ready answer 503 KAFKA.PARTITION_STUCK.
   */
  readonly kafkaStuckAfterMs: number;
  /** Undefined when API_KEYS is unset: access is open and the server binds loopback only. */
  readonly apiKeys: readonly ApiKey[] | undefined;
  readonly logLevel: LogLevel;
  readonly rulesDir: string;
  /** RATE_LIMIT_PER_MINUTE: `/v1` requests a minute per key (per address when open); 0: off. */
  readonly rateLimitPerMinute: number;
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
    if (raw === undefined) {
      // `PORT=` is a mistake more often than a wish for the default: say so.
      if (env[name] !== undefined) problem(name, `is set but empty; unset it for ${fallback}`);
      return fallback;
    }
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problem(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const port = integer('PORT', 3000, 0, 65535);
  // Generous: the benches file over 5,000 single reports a second from one key.
  const rateLimitPerMinute = integer('RATE_LIMIT_PER_MINUTE', 600_000, 0, 1_000_000_000);
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

  const rawCompression = (text('KAFKA_COMPRESSION') ?? DEFAULT_KAFKA_COMPRESSION).toLowerCase();
  let kafkaCompression = DEFAULT_KAFKA_COMPRESSION;
  if ((KAFKA_COMPRESSIONS as readonly string[]).includes(rawCompression)) {
    kafkaCompression = rawCompression as KafkaCompression;
  } else {
    problem(
      'KAFKA_COMPRESSION',
      `must be one of ${KAFKA_COMPRESSIONS.join(', ')}, got "${text('KAFKA_COMPRESSION')}"`,
    );
  }
  // At least room for one ordinary event; at most Kafka's own ceiling for a message (2^31-1
  // would pass, but a batch that large is a mistake).
  const kafkaMaxMessageBytes = integer(
    'KAFKA_MAX_MESSAGE_BYTES',
    DEFAULT_KAFKA_MAX_MESSAGE_BYTES,
    16_384,
    100 * 1024 * 1024,
  );
  const kafkaStuckAfterMs = integer(
    'KAFKA_STUCK_AFTER_MS',
    DEFAULT_KAFKA_STUCK_AFTER_MS,
    100,
    24 * 3_600_000,
  );

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
      `is "${rawHost}" but API_KEYS is unset: open access is only served on a loopback address (127.0.0.0/8, ::1 or localhost); set API_KEYS to listen elsewhere`,
    );
  }

  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(cwd, path));
  const dataDir = absolute(text('DATA_DIR') ?? '.data');
  const rulesDir = configuredRulesDir(env, cwd);
  const kind = (path: string): 'file' | 'directory' | 'absent' => {
    try {
      return statSync(path).isDirectory() ? 'directory' : 'file';
    } catch {
      return 'absent';
    }
  };
  if (kind(dataDir) === 'file') {
    problem('DATA_DIR', `is "${dataDir}", a file; it must be a directory (created when absent)`);
  }
  if (text('RULES_DIR') !== undefined && kind(rulesDir) !== 'directory') {
    problem('RULES_DIR', `is "${rulesDir}", which is not a directory of rule files`);
  }

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
    kafkaCompression,
    kafkaMaxMessageBytes,
    kafkaStuckAfterMs,
    apiKeys,
    logLevel,
    rulesDir,
    rateLimitPerMinute,
    alertStream,
  };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * An exact check, not a prefix match (`127.evil.example` is a hostname that may resolve
 * anywhere): an IPv4 address in 127.0.0.0/8, the IPv6 loopback in any notation, or the name
 * `localhost`. Any other name is refused, since what it resolves to is not ours to know.
 */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return LOOPBACK.check(host, 'ipv4');
  if (family === 6) return LOOPBACK.check(host, 'ipv6');
  return false;
}

/** RULES_DIR made absolute (default infra/rules), also when other variables are wrong. */
export function configuredRulesDir(env: Env = process.env, cwd = process.cwd()): string {
  const raw = env.RULES_DIR?.trim() || 'infra/rules';
  return isAbsolute(raw) ? raw : resolve(cwd, raw);
}
