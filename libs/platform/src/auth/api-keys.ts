export type Role = 'ingest' | 'read' | 'admin';
export const ROLES: readonly Role[] = ['ingest', 'read', 'admin'];

export interface ApiKey {
  readonly key: string;
  readonly roles: ReadonlySet<Role>;
}

export type ApiKeysParse = { ok: true; keys: ApiKey[] } | { ok: false; message: string };

/** `key:role+role,key2:role`, as CONTRACT.md gives it. */
export function parseApiKeys(raw: string): ApiKeysParse {
  const keys: ApiKey[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of raw.split(',').entries()) {
    const trimmed = entry.trim();
    const colon = trimmed.lastIndexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      return { ok: false, message: `entry ${index + 1} is not key:role[+role]` };
    }
    const key = trimmed.slice(0, colon);
    if (key.length < 8) {
      return { ok: false, message: `entry ${index + 1}: a key needs at least 8 characters` };
    }
    if (seen.has(key)) return { ok: false, message: `entry ${index + 1} repeats a key` };
    seen.add(key);
    const roles = new Set<Role>();
    for (const role of trimmed.slice(colon + 1).split('+')) {
      if (!(ROLES as readonly string[]).includes(role)) {
        return {
          ok: false,
          message: `entry ${index + 1}: unknown role "${role}" (roles: ${ROLES.join(', ')})`,
        };
      }
      roles.add(role as Role);
    }
    keys.push({ key, roles });
  }
  return { ok: true, keys };
}
