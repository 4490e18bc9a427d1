import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alert evidence stored once per report and alert, and a journal of what changed.
 *
 * Before, every change of an alert rewrote `alerts.evidence` and journaled the whole alert JSON
 * in `alert_changes.alert`: an alert with thousands of evidence entries cost thousands of
 * entries per change, twice. Now:
 * - `alert_evidence`: one row per piece of evidence of an alert, from the journal seq of the
 *   change that added it (`added_seq`) to the seq of the change that removed it
 *   (`removed_seq`, null while it is evidence). The fields are those of an evidence entry
 *   (reportId, type, occurredAt as written) and `t`, occurredAt in epoch milliseconds, so that
 *   `ORDER BY t, report_id` (report_id in the "C" collation) is the engine's evidence order
 *   (occurredAt, then reportId). An alert's evidence as of seq n is its rows with
 *   added_seq <= n < coalesce(removed_seq, infinity).
 * - `alerts.evidence` is no longer written (null; the current evidence is the rows with no
 *   removed_seq).
 * - `alert_changes.alert` holds the alert without its evidence, and `evidence_added` and
 *   `evidence_removed` the evidence entries the change added and removed. Entries written
 *   before (those two null) keep the whole alert in `alert`.
 * - `alert_journal`: the journal with each entry's whole alert, as `alert_changes.alert` held it
 *   before (entries written before are taken whole; the others get their evidence as of their
 *   seq). The stream and the Kafka alert relay read it.
 * A TRUNCATE of alerts empties alert_evidence too (a trigger). `alerts` keeps 30% of each page
 * free for HOT updates.
 * `down` writes the whole alerts back into `alert_changes.alert` and `alerts.evidence`.
 */
export class AlertEvidence1764600000000 implements MigrationInterface {
  name = 'AlertEvidence1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE alert_evidence (
        alert_id     uuid NOT NULL,
        report_id    text COLLATE "C" NOT NULL,
        type         text NOT NULL,
        occurred_at  text NOT NULL,
        t            bigint NOT NULL,
        added_seq    bigint NOT NULL,
        removed_seq  bigint
      )`);
    // One index for every reader: an alert's evidence now (removed_seq IS NULL filtered) or as
    // of a seq, in evidence order, and the row a removal sets. Not partial and without
    // removed_seq, so a removal is a HOT update; no primary key (a second index) and no foreign
    // key (a check per row): both cost the alerter's catch-up a third of its evidence writes
    // (see docs/BENCHMARKS.md). The writer keeps one current row per alert and report.
    await queryRunner.query(`
      CREATE INDEX alert_evidence_alert_idx ON alert_evidence (alert_id, t, report_id)`);
    // An alert's evidence goes with it when the alerts are emptied (nothing deletes one alert).
    await queryRunner.query(`
      CREATE FUNCTION alert_evidence_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE alert_evidence;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER alerts_truncate_evidence AFTER TRUNCATE ON alerts
        FOR EACH STATEMENT EXECUTE FUNCTION alert_evidence_truncate()`);
    // Rows without their evidence are small: room on each page lets most updates of an alert
    // be HOT (no new entry in its six indexes), 15% of them before, about 75% after.
    await queryRunner.query(`ALTER TABLE alerts SET (fillfactor = 70)`);
    await queryRunner.query(`ALTER TABLE alerts ALTER COLUMN evidence DROP NOT NULL`);
    await queryRunner.query(`
      ALTER TABLE alert_changes
        ADD COLUMN evidence_added jsonb,
        ADD COLUMN evidence_removed jsonb`);
    // The evidence of existing alerts, from their last journal entry's seq (that entry holds
    // the whole alert as stored, so no entry's rebuilt evidence depends on these rows).
    await queryRunner.query(`
      INSERT INTO alert_evidence (alert_id, report_id, type, occurred_at, t, added_seq)
      SELECT a.alert_id, e.value->>'reportId', e.value->>'type', e.value->>'occurredAt',
        (extract(epoch FROM (e.value->>'occurredAt')::timestamptz) * 1000)::bigint,
        coalesce(l.seq, 0)
      FROM alerts a
      CROSS JOIN LATERAL jsonb_array_elements(a.evidence) AS e
      -- One pass over the journal (alert_changes has no index on alert_id).
      LEFT JOIN (SELECT alert_id, max(seq) AS seq FROM alert_changes GROUP BY alert_id) AS l
        ON l.alert_id = a.alert_id
      WHERE a.evidence IS NOT NULL`);
    await queryRunner.query(`UPDATE alerts SET evidence = NULL WHERE evidence IS NOT NULL`);
    await queryRunner.query(`
      CREATE VIEW alert_journal AS
      SELECT c.seq, c.alert_id, c.theatre, c.change,
        CASE WHEN c.evidence_added IS NULL THEN c.alert
          ELSE c.alert || jsonb_build_object('evidence', coalesce(e.items, '[]'::jsonb))
        END AS alert,
        c.evidence_added, c.evidence_removed, c.recorded_at
      FROM alert_changes c
      LEFT JOIN LATERAL (
        SELECT jsonb_agg(
            jsonb_build_object('reportId', x.report_id, 'type', x.type, 'occurredAt', x.occurred_at)
            ORDER BY x.t, x.report_id) AS items
        FROM alert_evidence x
        WHERE c.evidence_added IS NOT NULL AND x.alert_id = c.alert_id AND x.added_seq <= c.seq
          AND (x.removed_seq IS NULL OR x.removed_seq > c.seq)
      ) e ON true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE alert_changes c SET alert = j.alert
      FROM alert_journal j WHERE j.seq = c.seq AND c.evidence_added IS NOT NULL`);
    await queryRunner.query(`
      UPDATE alerts a SET evidence = coalesce((
        SELECT jsonb_agg(
            jsonb_build_object('reportId', x.report_id, 'type', x.type, 'occurredAt', x.occurred_at)
            ORDER BY x.t, x.report_id)
        FROM alert_evidence x WHERE x.alert_id = a.alert_id AND x.removed_seq IS NULL), '[]')
      WHERE a.evidence IS NULL`);
    await queryRunner.query(`DROP VIEW alert_journal`);
    await queryRunner.query(`ALTER TABLE alerts RESET (fillfactor)`);
    await queryRunner.query(`DROP TRIGGER alerts_truncate_evidence ON alerts`);
    await queryRunner.query(`DROP FUNCTION alert_evidence_truncate()`);
    await queryRunner.query(`
      ALTER TABLE alert_changes DROP COLUMN evidence_removed, DROP COLUMN evidence_added`);
    await queryRunner.query(`DROP TABLE alert_evidence`);
    await queryRunner.query(`ALTER TABLE alerts ALTER COLUMN evidence SET NOT NULL`);
  }
}
