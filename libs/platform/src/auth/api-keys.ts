import { createHash } from 'node:crypto';

export type Role = 'ingest' | 'read' | 'admin';
export const ROLES: readonly Role[] = ['ingest', 'read', 'admin'];

/**
 * A configured key. Only the sha256 of its secret is kept: a key given in plain text is hashed
 * at start-up, so the secret never reaches a log, an error or a stored event; its name does.
 */
export interface ApiKey {
  /** Who filed what: stored in each event's `metadata.recordedBy`. Never the secret. */
  readonly name: string;
  /** sha256 of the secret, 32 bytes. */
  readonly hash: Buffer;
  readonly roles: ReadonlySet<Role>;
}

export type ApiKeysParse = { ok: true; keys: ApiKey[] } | { ok: false; message: string };

/** A name for logs and stored events: a letter or digit, then letters, digits, `.`, `_`, `-`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHA256_PREFIX = 'sha256:';
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * `API_KEYS`, comma-separated entries of three forms:
 * - `name=secret:role+role`: a named key;
 * - `name=sha256:<64 hex>:role+role`: a named key given by the sha256 of its secret, so the
 *   configuration holds no secret;
 * - `secret:role+role` (the original form): named by the first 8 hex characters of the
 *   secret's sha256.
 *
 * Roles follow the last `:`, so a secret may hold colons. An entry is named when the text
 * before its first `=` is a valid name and the secret after it is not only `=` signs (a
 * base64 key's padding, `abcd==:read`, stays a plain key). Names and secrets are unique.
 * Messages name the entry by its position or its name, never by its secret.
 */
export function parseApiKeys(raw: string): ApiKeysParse {
  const keys: ApiKey[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const [index, entry] of raw.split(',').entries()) {
    const at = `entry ${index + 1}`;
    const trimmed = entry.trim();
    const colon = trimmed.lastIndexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      return { ok: false, message: `${at} is not [name=]key:role[+role]` };
    }
    const credential = trimmed.slice(0, colon);
    const equals = credential.indexOf('=');
    const named =
      equals > 0 &&
      NAME.test(credential.slice(0, equals)) &&
      /[^=]/.test(credential.slice(equals + 1));
    let name: string;
    let hash: Buffer;
    if (named) {
      name = credential.slice(0, equals);
      const secret = credential.slice(equals + 1);
      if (secret.startsWith(SHA256_PREFIX)) {
        const hex = secret.slice(SHA256_PREFIX.length);
        if (!SHA256_HEX.test(hex)) {
          return {
            ok: false,
            message: `${at} ("${name}"): sha256: must be followed by 64 hexadecimal characters`,
          };
        }
        hash = Buffer.from(hex, 'hex');
      } else {
        if (secret.length < 8) {
          return { ok: false, message: `${at} ("${name}"): a key needs at least 8 characters` };
        }
        hash = sha256(secret);
      }
    } else {
      if (credential.length < 8) {
        return { ok: false, message: `${at}: a key needs at least 8 characters` };
      }
      hash = sha256(credential);
      name = hash.toString('hex').slice(0, 8);
    }
    if (hashes.has(hash.toString('hex'))) return { ok: false, message: `${at} repeats a key` };
    if (names.has(name)) return { ok: false, message: `${at} repeats the name "${name}"` };
    names.add(name);
    hashes.add(hash.toString('hex'));
    const roles = new Set<Role>();
    for (const role of trimmed.slice(colon + 1).split('+')) {
      if (!(ROLES as readonly string[]).includes(role)) {
        return {
          ok: false,
          message: `${at}: unknown role "${role}" (roles: ${ROLES.join(', ')})`,
        };
      }
      roles.add(role as Role);
    }
    keys.push({ name, hash, roles });
  }
  return { ok: true, keys };
}
