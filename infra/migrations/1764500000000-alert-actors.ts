import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who acknowledged or resolved an alert: the name of the API key that did it (never the
 * secret; `anonymous` where access is open), as every stored event records who filed it.
 * Null for the engine's resolutions and for what was done before these columns.
 */
export class AlertActors1764500000000 implements MigrationInterface {
  name = 'AlertActors1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE alerts
        ADD COLUMN acknowledged_by_key text,
        ADD COLUMN resolved_by_key text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE alerts DROP COLUMN resolved_by_key, DROP COLUMN acknowledged_by_key`);
  }
}
