import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /v1/theatres/{t}/overview?asOf=` folds one theatre's events recorded by an instant.
 * Every report event carries its theatre in `data` (Reported, Corrected and Retracted alike),
 * so an expression index on it, with recorded_at, reads only that theatre's events up to the
 * instant instead of scanning the whole store.
 */
export class QueryIndexes1764150000000 implements MigrationInterface {
  name = 'QueryIndexes1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX events_theatre_recorded_idx ON events ((data->>'theatre'), recorded_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX events_theatre_recorded_idx`);
  }
}
