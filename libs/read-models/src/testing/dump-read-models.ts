import type { Pool } from 'pg';
import { READ_MODEL_TABLES } from '../postgres/report-tables';

/** Every read-model table's rows as JSON text, in a stable order: compare two with toEqual. */
export async function dumpReadModels(pool: Pool): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of READ_MODEL_TABLES) {
    const { rows } = await pool.query<{ row: string }>(
      `SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY to_jsonb(t)::text COLLATE "C"`,
    );
    dump[table] = rows.map((row) => row.row);
  }
  return dump;
}
