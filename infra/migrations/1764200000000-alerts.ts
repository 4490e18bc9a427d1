import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts as the alerter stores them (see docs/ARCHITECTURE.md, "Alerter"):
 * - `alerts`: the current state of each alert. The engine owns its content (summary, window,
 *   evidence) and `engine_status`; users own `status` through acknowledge and resolve.
 * - `alert_changes`: a journal of every change, the full alert JSON after it. `seq` is handed
 *   out under one transaction-scoped advisory lock held until commit, so seq order is commit
 *   order: a reader that has seen seq n has seen every seq below it (SSE ids, the Kafka relay).
 * - `theatre_alert_counts`: unresolved (open or acknowledged) alerts per theatre, kept in the
 *   transactions that change alerts; GET /v1/theatres joins it.
 * - `alerter_snapshots` and `alerter_snapshot_theatres`: the rule engine's state as of a
 *   checkpoint, written per theatre in the alerter's batch transactions, so a restart restores
 *   it and replays only the events after it instead of the whole history.
 */
export class Alerts1764200000000 implements MigrationInterface {
  name = 'Alerts1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE alerts (
        alert_id              uuid PRIMARY KEY,
        rule                  text NOT NULL,
        theatre               text NOT NULL,
        severity              text NOT NULL
          CHECK (severity IN ('low', 'medium', 'high', 'critical')),
        status                text NOT NULL
          CHECK (status IN ('open', 'acknowledged', 'resolved')),
        summary               text NOT NULL,
        window_start          timestamptz NOT NULL,
        window_end            timestamptz NOT NULL,
        raised_at             timestamptz NOT NULL,
        evidence              jsonb NOT NULL,
        engine_status         text NOT NULL CHECK (engine_status IN ('open', 'resolved')),
        acknowledged_at       timestamptz,
        acknowledgement_note  text,
        resolved_at           timestamptz,
        resolved_by           text CHECK (resolved_by IN ('user', 'engine')),
        resolution_note       text,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'resolved') = (resolved_by IS NOT NULL))
      )`);
    // GET /v1/alerts lists newest first, (raised_at, alert_id) descending, by keyset: one index
    // for the unfiltered list and one per filter, each ending in the keyset.
    await queryRunner.query(
      `CREATE INDEX alerts_keyset_idx ON alerts (raised_at DESC, alert_id DESC)`,
    );
    for (const column of ['theatre', 'status', 'severity', 'rule']) {
      await queryRunner.query(
        `CREATE INDEX alerts_${column}_keyset_idx ON alerts (${column}, raised_at DESC, alert_id DESC)`,
      );
    }
    await queryRunner.query(`
      CREATE TABLE alert_changes (
        seq          bigint PRIMARY KEY,
        alert_id     uuid NOT NULL,
        theatre      text NOT NULL,
        change       text NOT NULL
          CHECK (change IN ('raised', 'updated', 'resolved', 'acknowledged')),
        alert        jsonb NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX alert_changes_theatre_seq_idx ON alert_changes (theatre, seq)`,
    );
    await queryRunner.query(`
      CREATE TABLE theatre_alert_counts (
        theatre      text PRIMARY KEY,
        open_alerts  integer NOT NULL CHECK (open_alerts >= 0)
      )`);
    await queryRunner.query(`
      CREATE TABLE alerter_snapshots (
        name            text PRIMARY KEY,
        header          jsonb NOT NULL,
        position        bigint NOT NULL,
        transaction_id  xid8 NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE alerter_snapshot_theatres (
        name     text NOT NULL REFERENCES alerter_snapshots (name) ON DELETE CASCADE,
        theatre  text NOT NULL,
        state    jsonb NOT NULL,
        PRIMARY KEY (name, theatre)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE alerter_snapshot_theatres`);
    await queryRunner.query(`DROP TABLE alerter_snapshots`);
    await queryRunner.query(`DROP TABLE theatre_alert_counts`);
    await queryRunner.query(`DROP TABLE alert_changes`);
    await queryRunner.query(`DROP TABLE alerts`);
  }
}
