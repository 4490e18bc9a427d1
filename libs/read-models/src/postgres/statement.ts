import type { Queryable } from '@cm/platform/plumbing';

/**
 * Several writes sent as one statement: each part a data-modifying CTE of the next, so a
 * batch costs a few round trips whatever it holds. Parts of one statement share a snapshot:
 * they must write disjoint rows and not read each other's writes.
 */
export class CombinedStatement {
  private readonly parts: string[] = [];
  private readonly values: string[] = [];

  /** A parameter placeholder with its cast, e.g. `$3::text[]`. */
  readonly param = (value: string, type: string): string => {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  };

  add(sql: string): void {
    this.parts.push(sql);
  }

  async run(tx: Queryable): Promise<void> {
    if (this.parts.length === 0) return;
    const last = this.parts[this.parts.length - 1];
    const ctes = this.parts.slice(0, -1).map((part, index) => `w${index} AS (${part})`);
    const sql = ctes.length === 0 ? last : `WITH ${ctes.join(',\n')}\n${last}`;
    await tx.query(sql, this.values);
  }
}
