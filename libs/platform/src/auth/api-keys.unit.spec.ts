import { createHash } from 'node:crypto';
import { parseApiKeys } from './api-keys';

const hex = (secret: string) => createHash('sha256').update(secret).digest('hex');

describe('parseApiKeys', () => {
  const parse = (raw: string) => {
    const parsed = parseApiKeys(raw);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.keys.map((key) => ({
      name: key.name,
      hash: key.hash.toString('hex'),
      roles: [...key.roles].sort(),
    }));
  };

  it('given key:role pairs, then each is named by the first 8 hex characters of its sha256', () => {
    expect(parse('k-ingest-0001:ingest, k-dash-00001:read+admin')).toEqual([
      { name: hex('k-ingest-0001').slice(0, 8), hash: hex('k-ingest-0001'), roles: ['ingest'] },
      {
        name: hex('k-dash-00001').slice(0, 8),
        hash: hex('k-dash-00001'),
        roles: ['admin', 'read'],
      },
    ]);
  });

  it('given name=key:roles, then the key is named and only its hash is kept', () => {
    const parsed = parseApiKeys('ucdp-importer=s3cret-importer-key:ingest');
    expect(parsed.ok && parsed.keys).toEqual([
      {
        name: 'ucdp-importer',
        hash: Buffer.from(hex('s3cret-importer-key'), 'hex'),
        roles: new Set(['ingest']),
      },
    ]);
    expect(JSON.stringify(parsed)).not.toContain('s3cret-importer-key');
  });

  it('given name=sha256:<hex>:roles, then the key is the one whose secret hashes to it', () => {
    const digest = hex('dashboard-secret-1');
    expect(parse(`dashboard=sha256:${digest.toUpperCase()}:read`)).toEqual([
      { name: 'dashboard', hash: digest, roles: ['read'] },
    ]);
  });

  it('keeps colons inside a key, named or not', () => {
    expect(parse('tenant:abc:12345:read')[0].hash).toBe(hex('tenant:abc:12345'));
    expect(parse('ops=tenant:abc:12345:read')[0]).toMatchObject({
      name: 'ops',
      hash: hex('tenant:abc:12345'),
    });
  });

  it('reads a base64 key with padding as a plain key, not as a name', () => {
    expect(parse('QUJDREVGR0hJSg==:read')[0].hash).toBe(hex('QUJDREVGR0hJSg=='));
  });

  it.each([
    ['', 'not [name=]key:role'],
    ['k-ingest-0001:', 'not [name=]key:role'],
    ['k-ingest-0001:write', 'unknown role "write"'],
    ['k-ingest-0001:read,k-ingest-0001:ingest', 'repeats a key'],
    ['a=k-ingest-0001:read,b=k-ingest-0001:ingest', 'repeats a key'],
    [`a=k-ingest-0001:read,b=sha256:${hex('k-ingest-0001')}:read`, 'repeats a key'],
    ['feeds=k-ingest-0001:read,feeds=k-ingest-0002:ingest', 'repeats the name "feeds"'],
    [
      `${hex('k-ingest-0001').slice(0, 8)}=k-other-0001:read,k-ingest-0001:read`,
      'repeats the name',
    ],
    ['abc:read', 'at least 8'],
    ['feeds=abc:read', 'at least 8'],
    ['feeds=sha256:abc:read', '64 hexadecimal'],
    [`feeds=sha256:${'g'.repeat(64)}:read`, '64 hexadecimal'],
  ])('rejects %j (%s)', (raw, message) => {
    const parsed = parseApiKeys(raw);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(message);
  });

  it('never puts a secret in its messages', () => {
    for (const raw of [
      'k-secret-0001:write',
      'k-secret-0001:read,k-secret-0001:read',
      'feeds=k-secret-0001:bogus',
      'feeds=k-secret-0001:read,feeds=k-secret-0002:read',
    ]) {
      const parsed = parseApiKeys(raw);
      expect(!parsed.ok && parsed.message).not.toMatch(/k-secret/);
    }
  });
});
