import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read models the projector keeps (docs/READ-MODELS.md). One row per report in each
 * report type's table, keyed by report id, so a correction replaces the row and a retraction
 * deletes it; aggregates are kept as sums with a `reports` count and a row disappears when
 * its count reaches zero, so live projection and a rebuild leave identical tables.
 * List rows page by (occurred_at, report_id), the stable keyset; `report` is the report's
 * current state (envelope with the corrected details and occurredAt) as the API returns it,
 * `json` rather than `jsonb` because it is only ever stored and served whole.
 * Report ids sort bytewise (COLLATE "C"), as JavaScript compares strings, so keyset pages and
 * tie-breaks agree between SQL and the pure projections.
 */
export class ReadModels1764100000000 implements MigrationInterface {
  name = 'ReadModels1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rm_theatres (
        theatre               text PRIMARY KEY,
        deployments           integer NOT NULL DEFAULT 0,
        casualties            integer NOT NULL DEFAULT 0,
        ceasefire_violations  integer NOT NULL DEFAULT 0,
        sanction_demands      integer NOT NULL DEFAULT 0,
        first_occurred_at     timestamptz,
        last_occurred_at      timestamptz
      )`);

    await queryRunner.query(`
      CREATE TABLE rm_deployments (
        report_id       text COLLATE "C" PRIMARY KEY,
        theatre         text NOT NULL,
        version         integer NOT NULL,
        position        bigint NOT NULL,
        occurred_at     timestamptz NOT NULL,
        reported_at     timestamptz NOT NULL,
        actor           text NOT NULL,
        supporting      text,
        movement        text NOT NULL,
        personnel_low   integer,
        personnel_best  integer,
        personnel_high  integer,
        equipment       jsonb,
        report          json NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX rm_deployments_theatre_time_idx ON rm_deployments (theatre, occurred_at, report_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX rm_deployments_actor_time_idx ON rm_deployments (theatre, actor, occurred_at, report_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE rm_personnel (
        theatre  text NOT NULL,
        role     text NOT NULL CHECK (role IN ('actor', 'supporting')),
        party    text NOT NULL,
        reports  integer NOT NULL,
        low      bigint NOT NULL,
        best     bigint NOT NULL,
        high     bigint NOT NULL,
        PRIMARY KEY (theatre, role, party)
      )`);
    await queryRunner.query(`
      CREATE TABLE rm_equipment (
        theatre   text NOT NULL,
        actor     text NOT NULL,
        category  text NOT NULL,
        reports   integer NOT NULL,
        low       bigint NOT NULL,
        best      bigint NOT NULL,
        high      bigint NOT NULL,
        PRIMARY KEY (theatre, actor, category)
      )`);

    await queryRunner.query(`
      CREATE TABLE rm_casualties (
        report_id           text COLLATE "C" PRIMARY KEY,
        theatre             text NOT NULL,
        version             integer NOT NULL,
        position            bigint NOT NULL,
        occurred_at         timestamptz NOT NULL,
        reported_at         timestamptz NOT NULL,
        party               text NOT NULL,
        category            text NOT NULL,
        civilian            boolean NOT NULL,
        cumulative          boolean NOT NULL,
        count_low           integer,
        count_best          integer NOT NULL,
        count_high          integer,
        source_name         text NOT NULL,
        source_reliability  text NOT NULL,
        source_credibility  smallint NOT NULL,
        report              json NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX rm_casualties_theatre_time_idx ON rm_casualties (theatre, occurred_at, report_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX rm_casualties_party_time_idx ON rm_casualties (theatre, party, occurred_at, report_id)`,
    );
    // Finds a source's latest cumulative total with one index probe.
    await queryRunner.query(
      `CREATE INDEX rm_casualties_source_latest_idx ON rm_casualties
         (theatre, party, category, civilian, source_name, occurred_at DESC, report_id DESC)
         WHERE cumulative`,
    );
    await queryRunner.query(`
      CREATE TABLE rm_casualty_increments (
        theatre   text NOT NULL,
        party     text NOT NULL,
        category  text NOT NULL,
        civilian  boolean NOT NULL,
        reports   integer NOT NULL,
        low       bigint NOT NULL,
        best      bigint NOT NULL,
        high      bigint NOT NULL,
        PRIMARY KEY (theatre, party, category, civilian)
      )`);
    await queryRunner.query(`
      CREATE TABLE rm_casualty_source_totals (
        theatre      text NOT NULL,
        party        text NOT NULL,
        category     text NOT NULL,
        civilian     boolean NOT NULL,
        source_name  text NOT NULL,
        report_id    text COLLATE "C" NOT NULL,
        occurred_at  timestamptz NOT NULL,
        reliability  text NOT NULL,
        credibility  smallint NOT NULL,
        low          integer NOT NULL,
        best         integer NOT NULL,
        high         integer NOT NULL,
        PRIMARY KEY (theatre, party, category, civilian, source_name)
      )`);

    await queryRunner.query(`
      CREATE TABLE rm_ceasefire_violations (
        report_id       text COLLATE "C" PRIMARY KEY,
        theatre         text NOT NULL,
        version         integer NOT NULL,
        position        bigint NOT NULL,
        occurred_at     timestamptz NOT NULL,
        reported_at     timestamptz NOT NULL,
        ceasefire       text NOT NULL,
        accused_party   text NOT NULL,
        accusing_party  text NOT NULL,
        means           text NOT NULL,
        target          text,
        report          json NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX rm_violations_theatre_time_idx ON rm_ceasefire_violations (theatre, occurred_at, report_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX rm_violations_accused_time_idx ON rm_ceasefire_violations (theatre, accused_party, occurred_at, report_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX rm_violations_accusing_time_idx ON rm_ceasefire_violations (theatre, accusing_party, occurred_at, report_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE rm_sanction_demands (
        report_id        text COLLATE "C" PRIMARY KEY,
        theatre          text NOT NULL,
        version          integer NOT NULL,
        position         bigint NOT NULL,
        occurred_at      timestamptz NOT NULL,
        reported_at      timestamptz NOT NULL,
        demanding_party  text NOT NULL,
        demand           text NOT NULL,
        sanctions        jsonb NOT NULL,
        condition        jsonb,
        report           json NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX rm_sanction_demands_theatre_time_idx ON rm_sanction_demands (theatre, occurred_at, report_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX rm_sanction_demands_party_time_idx ON rm_sanction_demands (theatre, demanding_party, occurred_at, report_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE rm_sanction_demand_parties (
        theatre          text NOT NULL,
        demanding_party  text NOT NULL,
        reports          integer NOT NULL,
        PRIMARY KEY (theatre, demanding_party)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'rm_sanction_demand_parties',
      'rm_sanction_demands',
      'rm_ceasefire_violations',
      'rm_casualty_source_totals',
      'rm_casualty_increments',
      'rm_casualties',
      'rm_equipment',
      'rm_personnel',
      'rm_deployments',
      'rm_theatres',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
