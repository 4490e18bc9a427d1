import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  const load = (env: Record<string, string>) => loadConfig(env, '/srv/monitor');

  it('given no variables, then it runs embedded, open, on loopback port 3000', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      kafkaBrokers: [],
      apiKeys: undefined,
      logLevel: 'info',
      dataDir: '/srv/monitor/.data',
      rulesDir: '/srv/monitor/infra/rules',
    });
  });

  it('given API_KEYS, then it listens on every interface unless HOST says otherwise', () => {
    const config = load({ API_KEYS: 'feeds=ingest-key-1:ingest,reader-key-1:read+admin' });
    expect(config.host).toBe('0.0.0.0');
    expect(config.apiKeys?.map((key) => [key.name, [...key.roles]])).toEqual([
      ['feeds', ['ingest']],
      [expect.stringMatching(/^[0-9a-f]{8}$/), ['read', 'admin']],
    ]);
  });

  it('parses brokers and a database URL', () => {
    const config = load({
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      DATABASE_URL: 'postgres://u:p@db:5432/monitor',
      PORT: '8080',
    });
    expect(config.kafkaBrokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/monitor');
    expect(config.port).toBe(8080);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x@y/z' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['KAFKA_BROKERS', { KAFKA_BROKERS: 'kafka-1' }],
    ['API_KEYS', { API_KEYS: 'short:read' }],
    ['API_KEYS', { API_KEYS: 'long-enough-key:write' }],
    ['API_KEYS', { API_KEYS: 'no-role-given' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['HOST', { HOST: '0.0.0.0' }],
    ['HOST', { HOST: '127.evil.example' }],
    ['HOST', { HOST: '127.0.0.1.nip.io' }],
    ['HOST', { HOST: '128.0.0.1' }],
    ['HOST', { HOST: '::2' }],
    ['HOST', { HOST: 'localhost.evil.example' }],
    ['API_KEYS', { API_KEYS: 'feeds=sha256:abc:read' }],
    ['API_KEYS', { API_KEYS: 'feeds=key-one-0001:read,feeds=key-two-0002:read' }],
    ['RATE_LIMIT_PER_MINUTE', { RATE_LIMIT_PER_MINUTE: '-1' }],
    ['RATE_LIMIT_PER_MINUTE', { RATE_LIMIT_PER_MINUTE: 'lots' }],
    ['DATABASE_POOL_SIZE', { DATABASE_POOL_SIZE: '0' }],
    ['ALERTS_HEARTBEAT_MS', { ALERTS_HEARTBEAT_MS: '5' }],
    ['ALERTS_STREAM_BUFFER_BYTES', { ALERTS_STREAM_BUFFER_BYTES: '1MB' }],
    ['ALERTS_STREAM_STALL_MS', { ALERTS_STREAM_STALL_MS: '-1' }],
    ['ALERTS_STREAMS_PER_KEY', { ALERTS_STREAMS_PER_KEY: '0' }],
    ['ALERTS_STREAM_TOKEN_TTL_SECONDS', { ALERTS_STREAM_TOKEN_TTL_SECONDS: '7200' }],
    ['KAFKA_COMPRESSION', { KAFKA_COMPRESSION: 'brotli' }],
    ['KAFKA_MAX_MESSAGE_BYTES', { KAFKA_MAX_MESSAGE_BYTES: '1MB' }],
    ['KAFKA_MAX_MESSAGE_BYTES', { KAFKA_MAX_MESSAGE_BYTES: '100' }],
  ])('given a wrong %s, then start-up stops naming it', (variable, env) => {
    expect(() => load(env)).toThrow(ConfigError);
    try {
      load(env);
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
      expect((error as Error).message).toContain(variable);
    }
  });

  it.each(['127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', 'localhost'])(
    'given no API_KEYS and the loopback HOST %s, then it starts there',
    (host) => {
      expect(load({ HOST: host }).host).toBe(host);
    },
  );

  it('given RATE_LIMIT_PER_MINUTE, then it is the limit; unset, a generous default; 0, off', () => {
    expect(load({}).rateLimitPerMinute).toBe(600_000);
    expect(load({ RATE_LIMIT_PER_MINUTE: '120' }).rateLimitPerMinute).toBe(120);
    expect(load({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
  });

  it('bounds the alert stream by default: 1 MiB per client, 20 streams per key, 60 s tokens', () => {
    expect(load({}).alertStream).toEqual({
      heartbeatMs: 15_000,
      bufferBytes: 1024 * 1024,
      stallMs: 30_000,
      streamsPerKey: 20,
      tokenTtlSeconds: 60,
    });
    expect(load({ ALERTS_STREAM_BUFFER_BYTES: '65536' }).alertStream.bufferBytes).toBe(65_536);
  });

  it('given no Kafka producer settings, then gzip and batches of at most 1,000,000 bytes', () => {
    expect(load({})).toMatchObject({ kafkaCompression: 'gzip', kafkaMaxMessageBytes: 1_000_000 });
    expect(load({ KAFKA_COMPRESSION: 'ZSTD', KAFKA_MAX_MESSAGE_BYTES: '524288' })).toMatchObject({
      kafkaCompression: 'zstd',
      kafkaMaxMessageBytes: 524_288,
    });
    expect(load({ KAFKA_COMPRESSION: 'none' }).kafkaCompression).toBe('none');
  });

  it('given no KAFKA_STUCK_AFTER_MS, then a minute; a wrong one is named', () => {
    expect(load({}).kafkaStuckAfterMs).toBe(60_000);
    expect(load({ KAFKA_STUCK_AFTER_MS: '5000' }).kafkaStuckAfterMs).toBe(5_000);
    expect(() => load({ KAFKA_STUCK_AFTER_MS: 'soon' })).toThrow(/KAFKA_STUCK_AFTER_MS/);
  });

  it('reports every wrong variable at once', () => {
    expect(() => load({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/PORT[\s\S]*LOG_LEVEL/);
  });
});

describe('loadConfig: mistakes found on disk and empty values', () => {
  it('names PORT set but empty, a DATA_DIR that is a file and a missing RULES_DIR, together', () => {
    let error: unknown;
    try {
      loadConfig(
        { PORT: '', DATA_DIR: __filename, RULES_DIR: '/nonexistent/rules', LOG_LEVEL: 'verbose' },
        '/srv/monitor',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'DATA_DIR',
      'LOG_LEVEL',
      'PORT',
      'RULES_DIR',
    ]);
  });
});
