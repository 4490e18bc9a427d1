import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { SLUG_PATTERN } from '@cm/contracts';

/**
 * Theatre slugs chosen by the user for the source's keys: for UCDP GED a conflict's
 * conflict_new_id or conflict_name, for ACLED a country name or its ISO numeric code. Keys
 * match case-insensitively.
 */
export class TheatreMapping {
  private constructor(private readonly slugs: ReadonlyMap<string, string>) {}

  static empty(): TheatreMapping {
    return new TheatreMapping(new Map());
  }

  /** `{ "<key>": "<slug>" }` JSON, or a CSV of key,theatre rows (a header row is allowed). */
  static fromFile(path: string): TheatreMapping {
    const text = readFileSync(path, 'utf8');
    return TheatreMapping.fromText(text, path.toLowerCase().endsWith('.json') ? 'json' : 'csv');
  }

  static fromText(text: string, layout: 'json' | 'csv'): TheatreMapping {
    let pairs: [string, unknown][];
    if (layout === 'json') {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error('a theatre mapping in JSON is an object of key: theatre slug');
      }
      pairs = Object.entries(parsed);
    } else {
      const records = parse(text, { bom: true, skip_empty_lines: true, trim: true }) as string[][];
      pairs = records
        .filter((record, index) => !(index === 0 && record[1]?.toLowerCase() === 'theatre'))
        .map((record) => {
          if (record.length !== 2)
            throw new Error(`a theatre mapping row has two fields: ${record.join(',')}`);
          return [record[0], record[1]];
        });
    }
    const slugs = new Map<string, string>();
    for (const [key, slug] of pairs) {
      if (typeof slug !== 'string' || !SLUG_PATTERN.test(slug)) {
        throw new Error(`theatre "${String(slug)}" for "${key}" is not a slug ([a-z0-9-]{2,64})`);
      }
      slugs.set(key.trim().toLowerCase(), slug);
    }
    return new TheatreMapping(slugs);
  }

  /** The slug of the first key that has one. */
  lookup(...keys: string[]): string | undefined {
    for (const key of keys) {
      const slug = this.slugs.get(key.trim().toLowerCase());
      if (slug) return slug;
    }
    return undefined;
  }
}
