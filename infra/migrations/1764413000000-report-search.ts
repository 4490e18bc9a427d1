import type { MigrationInterface, QueryRunner } from 'typeorm';

const REPORT_TABLES = [
  ['rm_deployments', 'rm_deployments'],
  ['rm_casualties', 'rm_casualties'],
  ['rm_ceasefire_violations', 'rm_violations'],
  ['rm_sanction_demands', 'rm_sanction_demands'],
] as const;

/**
 * `GET /v1/reports` searches every report table by source and place, and the GeoJSON export
 * leaves out reports without a location. Both want plain columns rather than a look inside the
 * `report` JSON of every row: each report table gets `source_name` (casualties already had it),
 * `latitude` and `longitude` (null without a location), filled here from the stored reports and
 * afterwards by the projector with the other columns. One more index per table, on
 * (occurred_at, report_id), serves the search and the export without a theatre (newest first,
 * the same keyset as the lists); with a theatre the existing (theatre, occurred_at, report_id)
 * index does. Source and place are filters applied along that scan: an index per filter would
 * slow every projected report (the rebuild is benched) for searches that are rare.
 */
export class ReportSearch1764413000000 implements MigrationInterface {
  name = 'ReportSearch1764413000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, prefix] of REPORT_TABLES) {
      if (table !== 'rm_casualties') {
        await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN source_name text`);
        await queryRunner.query(`UPDATE ${table} SET source_name = report->'source'->>'name'`);
        await queryRunner.query(`ALTER TABLE ${table} ALTER COLUMN source_name SET NOT NULL`);
      }
      await queryRunner.query(
        `ALTER TABLE ${table} ADD COLUMN latitude double precision, ADD COLUMN longitude double precision`,
      );
      await queryRunner.query(
        `UPDATE ${table} SET latitude = (report->'location'->>'lat')::double precision,
           longitude = (report->'location'->>'lon')::double precision
         WHERE report->'location' IS NOT NULL`,
      );
      await queryRunner.query(
        `CREATE INDEX ${prefix}_time_idx ON ${table} (occurred_at, report_id)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, prefix] of REPORT_TABLES) {
      await queryRunner.query(`DROP INDEX ${prefix}_time_idx`);
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN latitude, DROP COLUMN longitude`);
      if (table !== 'rm_casualties') {
        await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN source_name`);
      }
    }
  }
}
