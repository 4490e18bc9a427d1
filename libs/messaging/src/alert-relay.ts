import { alertJournal } from '@cm/alerts';
import type { JournalEntry } from '@cm/alerts';
import { KAFKA_CONTENT_TYPE, KAFKA_HEADERS, TOPICS } from '@cm/contracts';
import {
  describeEvent,
  handleOrPark,
  PostgresAppendListener,
  recordParkedEvent,
  retryRequests,
  settleRetryFailed,
  settleRetrySucceeded,
  summarizeFailure,
} from '@cm/event-store';
import type { StoredEvent } from '@cm/event-store';
import type { KafkaCompression } from '@cm/platform';
import { backoffMs, inTransaction } from '@cm/platform/plumbing';
import type { Backoff } from '@cm/platform/plumbing';
import type { Kafka } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { compressionType, DEFAULT_KAFKA_COMPRESSION } from './codecs';
import type { MessagingLog } from './kafka-connection';
import { partitionFor } from './kafka-connection';
import { DEFAULT_MAX_MESSAGE_BYTES, splitIntoSends } from './publish-batches';
import { publishFailure } from './publish-failure';
import { RenewableProducer } from './renewable-producer';

export const ALERT_RELAY_NAME = 'alerts';
/** Waits between failed tries: 100 ms doubling up to 10 s. */
const RELAY_BACKOFF: Backoff = { initialMs: 100, maxMs: 10_000 };
/** The alert relay's name among parked events' subscribers. */
export const ALERT_RELAY_SUBSCRIBER = 'alert-relay';

export interface AlertRelayOptions {
  pool: Pool;
  kafka: Kafka;
  /** Partitions of conflict.alerts.v1 as the cluster has them. */
  partitions: number;
  /** The channel alert writers NOTIFY at commit (the alerter's `cm_alerts`). */
  channel: string;
  name?: string;
  batchSize?: number;
  pollIntervalMs?: number;
  log?: MessagingLog;
  onPublished?: (entries: readonly { seq: number; theatre: string }[]) => void;
  /** Tries of a change the brokers refuse before it is parked (default 3). */
  maxTries?: number;
  /** How produced batches are compressed (KAFKA_COMPRESSION; default gzip). */
  compression?: KafkaCompression;
  /** The most bytes one partition's record batch may take before compression (1,000,000). */
  maxMessageBytes?: number;
}

/** One session lock per relay name: one process publishes, the others stand by. */
const TRY_LOCK = `SELECT pg_try_advisory_lock(hashtextextended('cm_alert_relay:' || $1, 0)) AS locked`;

/**
 * Publishes every alert change to `conflict.alerts.v1`: it follows the alert journal
 * (alert_changes, through @cm/alerts' alertJournal, the reader the alert stream uses too; seq
 * order is commit order, so following it never skips a change) after the seq stored in
 * kafka_alert_relay, sends a page (idempotent producer, key theatre, value the
 * alert JSON as after the change), then stores the page's last seq. A crash between the two
 * publishes that page again: consumers drop it by the `event-id` header (`alert-change-<seq>`).
 * Woken by NOTIFY on the journal's channel, with a slow poll as a fallback. A page the cluster
 * failed to take is retried with a back-off, without limit; a change the brokers refuse as
 * such (too large) is parked after bounded tries by the event store's parking code
 * (parked_events, subscriber `alert-relay`, position = the journal's seq) and the relay goes on.
 */
export class AlertRelay {
  private readonly name: string;
  private producer: RenewableProducer | undefined;
  private listener: PostgresAppendListener | undefined;
  private unlisten: (() => void) | undefined;
  private client: PoolClient | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private woken = false;
  private interrupt: (() => void) | undefined;
  private published = 0;
  private readonly waiters = new Set<() => void>();
  private readonly subscriber: string;
  private lastRetryCheck = 0;

  constructor(private readonly options: AlertRelayOptions) {
    this.name = options.name ?? ALERT_RELAY_NAME;
    this.subscriber =
      this.name === ALERT_RELAY_NAME
        ? ALERT_RELAY_SUBSCRIBER
        : `${ALERT_RELAY_SUBSCRIBER}-${this.name}`;
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    const producer = new RenewableProducer(this.options.kafka);
    await producer.connect();
    this.producer = producer;
    await this.options.pool.query(
      `INSERT INTO kafka_alert_relay (name, seq) VALUES ($1, 0) ON CONFLICT DO NOTHING`,
      [this.name],
    );
    this.listener = new PostgresAppendListener(this.options.pool, {
      channel: this.options.channel,
      onError: (error) => this.options.log?.('warn', 'alert relay: LISTEN failed', { err: error }),
    });
    this.unlisten = this.listener.subscribe(this.wake);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unlisten?.();
    this.unlisten = undefined;
    this.interrupt?.();
    for (const check of [...this.waiters]) check();
    await this.loop;
    this.loop = undefined;
    this.dropClient();
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect();
  }

  /** Resolves once every journal entry committed when called is published. */
  async waitUntilPublished(timeoutMs = 30_000): Promise<void> {
    const target = await alertJournal.head(this.options.pool);
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.published >= target) finish(resolve);
        else if (this.stopping) finish(() => reject(new Error('the alert relay stopped')));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`alert relay did not reach seq ${target}`))),
        timeoutMs,
      );
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        then();
      };
      this.waiters.add(check);
      check();
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let outcome: 'more' | 'idle' | 'standby';
      try {
        outcome = await this.step();
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        this.options.log?.('error', 'alert relay: publishing failed; retrying', { err: error });
        this.dropClient();
        await this.sleep(backoffMs(failures, RELAY_BACKOFF), false);
        continue;
      }
      if (outcome === 'more') continue;
      await this.sleep(this.options.pollIntervalMs ?? 1000, outcome === 'idle');
    }
  }

  private async step(): Promise<'more' | 'idle' | 'standby'> {
    const client = await this.lockedClient();
    if (!client) return 'standby';
    this.woken = false;
    await this.serveRetriesIfDue(client);
    const limit = this.options.batchSize ?? 500;
    const { rows: at } = await client.query<{ seq: string }>(
      `SELECT seq::text AS seq FROM kafka_alert_relay WHERE name = $1`,
      [this.name],
    );
    let after = Number(at[0]?.seq ?? 0);
    this.markPublished(after);
    const rows = await alertJournal.readAfter(client, after, limit);
    if (rows.length === 0) return 'idle';
    await handleOrPark(rows, {
      maxTries: this.options.maxTries ?? 3,
      isFatal: (error) => error instanceof RelayStoppedError || error instanceof RelayMovedError,
      pause: async (attempt) => {
        await this.sleep(backoffMs(attempt, RELAY_BACKOFF), false);
        if (this.stopping) throw new RelayStoppedError('the alert relay is stopping');
      },
      handle: async (part) => {
        await this.send(part);
        const last = part[part.length - 1]!.seq; // a part is never empty
        await this.moveSeq(client, after, last);
        after = last;
        this.markPublished(last);
        this.options.onPublished?.(part.map((row) => ({ seq: row.seq, theatre: row.theatre })));
      },
      park: async (row, failure) => {
        const seq = row.seq;
        await inTransaction(
          client,
          async () => {
            await recordParkedEvent(client, {
              subscriber: this.subscriber,
              event: journalEntryAsEvent(row),
              error: failure.error,
              attempts: failure.attempts,
              firstFailedAt: failure.firstFailedAt,
            });
            await this.moveSeq(client, after, seq);
          },
          { onBroken: () => this.dropClient() },
        );
        after = seq;
        this.markPublished(seq);
        this.options.log?.(
          'error',
          `alert relay parked the change at ${describeEvent(journalEntryAsEvent(row))} after ` +
            `${failure.attempts} tries and went on: ${summarizeFailure(failure.error).message}`,
          { err: failure.error },
        );
      },
      onFailure: ({ items, error, transient, tries }) =>
        this.options.log?.(
          'warn',
          `alert relay: publishing failed for changes ${items[0]!.seq}..${items[items.length - 1]!.seq} (${
            transient
              ? "not the changes' fault: waiting to retry without using a try"
              : `try ${tries}`
          }): ${summarizeFailure(error).message}`,
          { err: error },
        ),
    });
    return rows.length === limit ? 'more' : 'idle';
  }

  private async send(rows: readonly JournalEntry[]): Promise<void> {
    const messages = rows.map((row) => ({
      key: row.theatre,
      partition: partitionFor(TOPICS.alerts, row.theatre, this.options.partitions),
      value: JSON.stringify(row.alert),
      headers: {
        [KAFKA_HEADERS.eventType]: `alert.${row.change}`,
        [KAFKA_HEADERS.eventId]: `alert-change-${row.seq}`,
        [KAFKA_HEADERS.contentType]: KAFKA_CONTENT_TYPE,
        'alert-id': row.alertId,
      },
    }));
    // Batches under the cap, as the report relay's; a change too large alone throws before
    // anything is sent and is parked after its tries.
    const sends = splitIntoSends(
      messages,
      this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    );
    const compression = compressionType(this.options.compression ?? DEFAULT_KAFKA_COMPRESSION);
    try {
      for (const part of sends) {
        await this.producer!.send({ topic: TOPICS.alerts, acks: -1, compression, messages: part });
      }
    } catch (error) {
      throw publishFailure(error);
    }
  }

  private async moveSeq(client: PoolClient, from: number, to: number): Promise<void> {
    const { rowCount } = await client.query(
      `UPDATE kafka_alert_relay SET seq = $2, updated_at = now() WHERE name = $1 AND seq = $3`,
      [this.name, to, from],
    );
    if (rowCount !== 1) throw new RelayMovedError(`the seq of alert relay ${this.name} moved`);
  }

  /** Retries of parked changes an administrator asked for: sent again alone, at most each second. */
  private async serveRetriesIfDue(client: PoolClient): Promise<void> {
    if (Date.now() - this.lastRetryCheck < 1000) return;
    this.lastRetryCheck = Date.now();
    for (const request of await retryRequests(client, this.subscriber)) {
      const entry = await alertJournal.entry(client, request.position);
      try {
        if (!entry) throw new Error(`No alert change with seq ${request.position}`);
        await this.send([entry]);
      } catch (error) {
        await settleRetryFailed(client, this.subscriber, request.position, error);
        continue;
      }
      await settleRetrySucceeded(client, this.subscriber, request.position);
    }
  }

  private markPublished(seq: number): void {
    if (seq > this.published) this.published = seq;
    for (const check of [...this.waiters]) check();
  }

  private async lockedClient(): Promise<PoolClient | undefined> {
    if (this.client) return this.client;
    const client = await this.options.pool.connect();
    client.on('error', this.onClientError);
    try {
      const { rows } = await client.query<{ locked: boolean }>(TRY_LOCK, [this.name]);
      if (!rows[0]!.locked) {
        client.removeListener('error', this.onClientError);
        client.release();
        return undefined;
      }
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.client = client;
    return client;
  }

  private readonly onClientError = (error: Error): void => {
    this.options.log?.('warn', 'alert relay: database connection lost', { err: error });
    this.dropClient();
  };

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeListener('error', this.onClientError);
    client.on('error', () => undefined);
    client.release(true); // closing the session releases its advisory lock
  }

  private readonly wake = (): void => {
    this.woken = true;
    this.interrupt?.();
  };

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping || (wakeable && this.woken)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.interrupt = () => {
        if (wakeable || this.stopping) {
          this.interrupt = undefined;
          done();
        }
      };
    });
  }
}

class RelayStoppedError extends Error {
  override readonly name = 'RelayStoppedError';
}

class RelayMovedError extends Error {
  override readonly name = 'RelayMovedError';
  readonly transient = true;
}

/** A journal entry in the shape parked_events records: position = seq, stream = alert id. */
function journalEntryAsEvent(row: JournalEntry): StoredEvent {
  return {
    position: row.seq,
    transactionId: '0',
    eventId: `alert-change-${row.seq}`,
    streamId: row.alertId,
    streamVersion: 0,
    type: `alert.${row.change}`,
    data: null,
    metadata: {},
    recordedAt: new Date(),
  };
}
