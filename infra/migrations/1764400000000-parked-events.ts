import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `parked_events`: events a subscriber (projector, alerter, relay, Kafka consumer group) could
 * not handle after bounded retries. A row is written in the transaction that moves that
 * subscriber's progress past the event, so an event is either handled, parked, or still ahead;
 * never silently skipped. `retry_requested_at` asks the owning process (whichever holds the
 * subscriber) to handle the event once more; `last_retry_*` holds the outcome the admin
 * endpoint waits for. `partition` is the Kafka partition of a consumer group's event.
 */
export class ParkedEvents1764400000000 implements MigrationInterface {
  name = 'ParkedEvents1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE parked_events (
        subscriber          text NOT NULL,
        position            bigint NOT NULL,
        transaction_id      xid8 NOT NULL,
        event_id            text NOT NULL,
        stream_id           text NOT NULL,
        type                text NOT NULL,
        partition           integer,
        error_message       text NOT NULL,
        error_code          text,
        error_stack         text,
        attempts            integer NOT NULL CHECK (attempts >= 1),
        first_failed_at     timestamptz NOT NULL,
        last_failed_at      timestamptz NOT NULL,
        parked_at           timestamptz NOT NULL DEFAULT now(),
        retry_requested_at  timestamptz,
        last_retry_at       timestamptz,
        PRIMARY KEY (subscriber, position)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE parked_events`);
  }
}
