import { createHash } from 'node:crypto';
import type { ProblemError } from '../http/problem';
import { ANONYMOUS, ApiKeyAuthenticator } from './api-key-authenticator';
import { parseApiKeys } from './api-keys';

describe('ApiKeyAuthenticator', () => {
  const digest = createHash('sha256').update('dashboard-secret-1').digest('hex');
  const parsed = parseApiKeys(
    `feeds=feeds-secret-1:ingest,dashboard=sha256:${digest}:read,ops-secret-1:admin`,
  );
  const authenticator = new ApiKeyAuthenticator(parsed.ok ? parsed.keys : []);

  const failure = (header: string | undefined, role: 'ingest' | 'read' | 'admin') => {
    try {
      authenticator.authenticate(header, role);
    } catch (error) {
      return { status: (error as ProblemError).status, detail: (error as Error).message };
    }
    return undefined;
  };

  it('given a plain key with the role, then the principal is its name', () => {
    expect(authenticator.authenticate('Bearer feeds-secret-1', 'ingest')).toEqual({
      name: 'feeds',
      roles: new Set(['ingest']),
    });
  });

  it('given the secret of a key configured by its sha256, then it is that key', () => {
    expect(authenticator.authenticate('bearer dashboard-secret-1', 'read').name).toBe('dashboard');
  });

  it('given an admin key, then every role is allowed', () => {
    expect(authenticator.authenticate('Bearer ops-secret-1', 'ingest').name).toMatch(
      /^[0-9a-f]{8}$/,
    );
  });

  it('given the sha256 itself as the bearer token, then it is refused (the hash is not a key)', () => {
    expect(failure(`Bearer ${digest}`, 'read')?.status).toBe(401);
  });

  it.each([
    [undefined, 401],
    ['Basic Zm9vOmJhcg==', 401],
    ['Bearer', 401],
    ['Bearer wrong-secret-1', 401],
    ['Bearer feeds-secret-1 extra', 401],
  ])('given Authorization %j, then %i', (header, status) => {
    expect(failure(header, 'read')?.status).toBe(status);
  });

  it('given a valid key without the role, then 403 naming the role, not the key', () => {
    expect(failure('Bearer feeds-secret-1', 'read')).toEqual({
      status: 403,
      detail: 'This call needs the "read" role.',
    });
  });

  it('given no keys configured (open access), then everyone is anonymous with every role', () => {
    const open = new ApiKeyAuthenticator(undefined);
    expect(open.open).toBe(true);
    expect(open.authenticate(undefined, 'admin')).toBe(ANONYMOUS);
  });
});
