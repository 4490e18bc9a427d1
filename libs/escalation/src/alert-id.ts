import { createHash } from 'node:crypto';

/**
 * A deterministic alert id: a UUID (version 8, RFC 9562's custom form) made of the SHA-256 of
 * what identifies the firing (rule, theatre, how many alerts the rule had raised in the theatre,
 * the first firing's report and time). A replay of the same history gives the same ids, and a
 * UUID fits the alerter's uuid column and the ids clients already parse.
 */
export function alertIdFor(parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u001f')).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}
