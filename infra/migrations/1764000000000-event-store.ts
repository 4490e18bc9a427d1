import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only event store. `position` is the global order handed to clients;
 * `transaction_id` lets readers stop before any transaction still in flight, because
 * concurrent appends commit out of position order.
 */
export class EventStore1764000000000 implements MigrationInterface {
  name = 'EventStore1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE events (
        position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id        uuid NOT NULL UNIQUE,
        stream_id       text NOT NULL,
        stream_version  integer NOT NULL,
        type            text NOT NULL,
        data            jsonb NOT NULL,
        metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
        recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
      )`);
    await queryRunner.query(
      `CREATE INDEX events_transaction_position_idx ON events (transaction_id, position)`,
    );
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        key           text PRIMARY KEY,
        content_hash  text NOT NULL,
        stream_id     text NOT NULL,
        result        jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE subscription_checkpoints (
        name            text PRIMARY KEY,
        position        bigint NOT NULL,
        transaction_id  xid8 NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE subscription_checkpoints`);
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TABLE events`);
  }
}
