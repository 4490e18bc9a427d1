import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distributed mode (KAFKA_BROKERS set):
 * - `kafka_consumer_progress`: per consumer group and partition of conflict.reports.v1, the
 *   store checkpoint (transaction id, position) of the last event whose writes committed. It is
 *   written in the same transaction as those writes, so it is the truth about what a group has
 *   handled; Kafka's committed offsets only say where to start fetching. A message at or
 *   before it is a duplicate (the relay republishing its tail, a redelivery after a rebalance)
 *   and is dropped. Partition -1 is a floor for every partition of the group (a rebuild sets it).
 * - `kafka_alert_relay`: the last alert_changes seq published to conflict.alerts.v1.
 */
export class Kafka1764300000000 implements MigrationInterface {
  name = 'Kafka1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE kafka_consumer_progress (
        group_id        text NOT NULL,
        topic           text NOT NULL,
        partition       integer NOT NULL CHECK (partition >= -1),
        position        bigint NOT NULL,
        transaction_id  xid8 NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, topic, partition)
      )`);
    await queryRunner.query(`
      CREATE TABLE kafka_alert_relay (
        name        text PRIMARY KEY,
        seq         bigint NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE kafka_alert_relay`);
    await queryRunner.query(`DROP TABLE kafka_consumer_progress`);
  }
}
