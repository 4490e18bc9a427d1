import { parseApiKeys } from './api-keys';

describe('parseApiKeys', () => {
  it('reads key:role+role pairs separated by commas', () => {
    const parsed = parseApiKeys('k-ingest-0001:ingest, k-dash-00001:read+admin');
    expect(parsed.ok && parsed.keys.map((k) => [k.key, [...k.roles].sort()])).toEqual([
      ['k-ingest-0001', ['ingest']],
      ['k-dash-00001', ['admin', 'read']],
    ]);
  });

  it('keeps colons inside a key', () => {
    const parsed = parseApiKeys('tenant:abc:12345:read');
    expect(parsed.ok && parsed.keys[0].key).toBe('tenant:abc:12345');
  });

  it.each([
    ['', 'not key:role'],
    ['k-ingest-0001:', 'not key:role'],
    ['k-ingest-0001:write', 'unknown role "write"'],
    ['k-ingest-0001:read,k-ingest-0001:ingest', 'repeats a key'],
    ['abc:read', 'at least 8'],
  ])('rejects %j (%s)', (raw, message) => {
    const parsed = parseApiKeys(raw);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(message);
  });
});
