/**
 * JSON with every object's keys sorted (by UTF-16 code units, as Array.prototype.sort), so
 * that equal content gives equal text whatever order the client sent: the input of the
 * content hash behind idempotency (same reportId and same content = a duplicate).
 *
 * Otherwise as JSON.stringify: toJSON is honoured, undefined, functions and symbols are left
 * out of objects and become null in arrays, non-finite numbers become null. A value that
 * JSON cannot represent at all (undefined, a function, a BigInt, a cycle) throws.
 */
export function canonicalJson(value: unknown): string {
  // What validateReport returns is built in this order already: JSON.stringify (native, a
  // third of the cost) then writes exactly the same text.
  if (typeof value === 'object' && value !== null && inCanonicalOrder(value, 0)) {
    return JSON.stringify(value);
  }
  const text = write(value, 0);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON form');
  return text;
}

/** Deeper than any report; reaching it means a cycle (tracking ancestors costs a third). */
const MAX_DEPTH = 1000;
/** Deeper than this, the fast path leaves the value (and a cycle's error) to `write`. */
const MAX_ORDERED_DEPTH = 32;

/**
 * True when JSON.stringify(value) is this module's text: plain objects and arrays only (no
 * toJSON, no boxed primitives, no BigInt), and every object's keys enumerated in ascending
 * order, which is the order `writeObject` sorts them into. Keys JavaScript enumerates first
 * (integer-like ones) pass only when that order is also ascending as strings.
 */
function inCanonicalOrder(value: object, depth: number): boolean {
  if (depth >= MAX_ORDERED_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'bigint') return false;
      if (typeof item === 'object' && item !== null && !inCanonicalOrder(item, depth + 1)) {
        return false;
      }
    }
    return true;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === 'function') return false;
  let previous: string | undefined;
  for (const key in record) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    const field = record[key];
    if (typeof field === 'bigint') return false;
    if (typeof field === 'object' && field !== null && !inCanonicalOrder(field, depth + 1)) {
      return false;
    }
  }
  return true;
}

function write(value: unknown, depth: number): string | undefined {
  if (value !== null && typeof value === 'object') {
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return write(json.call(value), depth);
    if (depth >= MAX_DEPTH) throw new TypeError('canonicalJson: the value is cyclic or too deep');
    return Array.isArray(value) ? writeArray(value, depth + 1) : writeObject(value, depth + 1);
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: a BigInt has no JSON form');
    default:
      // undefined, functions and symbols
      return value === null ? 'null' : undefined;
  }
}

function writeArray(items: unknown[], depth: number): string {
  let text = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) text += ',';
    text += write(items[i], depth) ?? 'null';
  }
  return `${text}]`;
}

function writeObject(object: object, depth: number): string {
  const record = object as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = '{';
  let first = true;
  for (const key of keys) {
    const field = write(record[key], depth);
    if (field === undefined) continue;
    text += `${first ? '' : ','}${quoteKey(key)}:${field}`;
    first = false;
  }
  return `${text}}`;
}

// Reports use a few dozen keys over and over; quoting each once saves a tenth of the time.
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 1000;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}
