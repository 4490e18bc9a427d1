import { randomUUID } from 'node:crypto';
import { KAFKA_CONTENT_TYPE, TOPICS } from '@cm/contracts';
import type { StoredRecord } from '@cm/test-support/kafka-broker/kafka-test-broker';
import { listParkedEvents } from '@cm/event-store';
import { AlertRelay } from './alert-relay';
import { partitionFor } from './kafka-connection';
import type { MessagingHarness } from './test-fixtures';
import { eventually, headersOf, harnessPerTest, THEATRES } from './test-fixtures';

jest.setTimeout(120_000);

const CHANNEL = 'cm_alerts_test';
const CHANGES = ['raised', 'updated', 'acknowledged', 'resolved'] as const;

describe('AlertRelay (test broker, real PostgreSQL)', () => {
  let h: MessagingHarness;
  let seq = 0;
  const alertIds = THEATRES.map(() => randomUUID());

  harnessPerTest((harness) => {
    h = harness;
    seq = 0;
  });

  /** The alert JSON of docs/API.md as the journal keeps it after a change. */
  function alertJson(theatreIndex: number, change: (typeof CHANGES)[number], n: number) {
    const theatre = THEATRES[theatreIndex];
    return {
      alertId: alertIds[theatreIndex],
      rule: 'ceasefire-breakdown',
      theatre,
      severity: 'high',
      status:
        change === 'resolved' ? 'resolved' : change === 'acknowledged' ? 'acknowledged' : 'open',
      summary: `change ${n} in ${theatre}`,
      windowStart: '2024-11-01T00:00:00.000Z',
      windowEnd: '2024-11-04T00:00:00.000Z',
      raisedAt: '2024-11-04T00:00:01.000Z',
      evidence: [
        { reportId: `r-${n}`, type: 'ceasefire_violation', occurredAt: '2024-11-03T00:00:00.000Z' },
      ],
    };
  }

  /** Journal entries as the alerter writes them: seq in commit order, NOTIFY at commit. */
  async function journal(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const n = ++seq;
      const theatreIndex = n % THEATRES.length;
      const change = CHANGES[n % CHANGES.length];
      const alert = alertJson(theatreIndex, change, n);
      await h.db.pool.query(
        `WITH entry AS (
           INSERT INTO alert_changes (seq, alert_id, theatre, change, alert)
           VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING seq)
         SELECT pg_notify($6, seq::text) FROM entry`,
        [n, alert.alertId, alert.theatre, change, JSON.stringify(alert), CHANNEL],
      );
    }
  }

  async function startRelay(
    overrides: { pollIntervalMs?: number; batchSize?: number; maxMessageBytes?: number } = {},
  ): Promise<AlertRelay> {
    const relay = new AlertRelay({
      pool: h.db.pool,
      kafka: h.kafka('alert-relay'),
      partitions: h.partitions(TOPICS.alerts),
      channel: CHANNEL,
      batchSize: overrides.batchSize ?? 4,
      pollIntervalMs: overrides.pollIntervalMs ?? 200,
      maxMessageBytes: overrides.maxMessageBytes,
      log: h.log('alert-relay'),
    });
    await relay.start();
    h.later(() => relay.stop());
    return relay;
  }

  const seqOf = (record: StoredRecord) =>
    Number(headersOf(record)['event-id'].replace('alert-change-', ''));

  async function storedSeq(): Promise<number> {
    const { rows } = await h.db.pool.query<{ seq: string }>(
      `SELECT seq::text AS seq FROM kafka_alert_relay WHERE name = 'alerts'`,
    );
    return Number(rows[0].seq);
  }

  it('publishes every journal entry in seq order, keyed by theatre, with the contract headers', async () => {
    // 19 entries in pages of 4: pages cross from one digit to two, where text order is not
    // seq order ('10' < '2').
    await journal(10);
    const relay = await startRelay();
    await journal(9); // while it runs
    await relay.waitUntilPublished(30_000);

    const records = h.records(TOPICS.alerts);
    expect(records).toHaveLength(19);
    expect(records.map(seqOf).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 19 }, (_, i) => i + 1),
    );
    const { rows } = await h.db.pool.query<{
      seq: string;
      alert_id: string;
      theatre: string;
      change: string;
      alert: unknown;
    }>(
      `SELECT seq::text AS seq, alert_id::text AS alert_id, theatre, change, alert FROM alert_journal ORDER BY alert_journal.seq`,
    );
    const bySeq = new Map(rows.map((row) => [Number(row.seq), row]));
    for (let partition = 0; partition < h.partitions(TOPICS.alerts); partition++) {
      const onPartition = h.records(TOPICS.alerts, partition).map(seqOf);
      expect(onPartition).toEqual([...onPartition].sort((a, b) => a - b));
      expect(onPartition).toEqual(
        rows
          .filter(
            (row) =>
              partitionFor(TOPICS.alerts, row.theatre, h.partitions(TOPICS.alerts)) === partition,
          )
          .map((row) => Number(row.seq)),
      );
    }
    for (const record of records) {
      const row = bySeq.get(seqOf(record))!;
      expect(String(record.key)).toBe(row.theatre);
      expect(JSON.parse(String(record.value))).toEqual(row.alert);
      expect(headersOf(record)).toEqual({
        'event-type': `alert.${row.change}`,
        'event-id': `alert-change-${row.seq}`,
        'content-type': KAFKA_CONTENT_TYPE,
        'alert-id': row.alert_id,
      });
    }
    expect(await storedSeq()).toBe(19);
  });

  it('sends pages in batches under KAFKA_MAX_MESSAGE_BYTES and parks a change too large alone', async () => {
    await journal(12);
    // A change whose alert JSON is larger than the cap (a huge summary), between small ones.
    const big = { ...alertJson(0, 'updated', 13), summary: 's'.repeat(20_000) };
    await h.db.pool.query(
      `INSERT INTO alert_changes (seq, alert_id, theatre, change, alert)
       VALUES (13, $1, $2, 'updated', $3::jsonb)`,
      [big.alertId, big.theatre, JSON.stringify(big)],
    );
    seq = 13;
    await journal(12);
    const relay = await startRelay({ batchSize: 25, maxMessageBytes: 16_384 });
    await relay.waitUntilPublished(60_000);

    const published = h.records(TOPICS.alerts).map(seqOf);
    expect(published.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1).filter((n) => n !== 13),
    );
    const parked = await listParkedEvents(h.db.pool, 'alert-relay');
    expect(parked.map((p) => [p.position, p.attempts])).toEqual([[13, 3]]);
    expect(parked[0].error.message).toMatch(/KAFKA_MAX_MESSAGE_BYTES/);
    for (let partition = 0; partition < h.partitions(TOPICS.alerts); partition++) {
      for (const batch of h.broker!.batches(TOPICS.alerts, partition)) {
        expect(batch.bytes).toBeLessThanOrEqual(16_384);
      }
    }
    expect(h.broker!.tooLarge).toEqual([]);
  });

  it('continues after the stored seq when restarted, and repeats only the tail when it was behind', async () => {
    await journal(12);
    const first = await startRelay();
    await first.waitUntilPublished(30_000);
    await first.stop();
    expect(await storedSeq()).toBe(12);

    await journal(6);
    const second = await startRelay();
    await second.waitUntilPublished(30_000);
    await second.stop();
    expect(
      h
        .records(TOPICS.alerts)
        .map(seqOf)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));

    // As after a crash between the brokers' answer and storing the seq: 15 and up go out again.
    await h.db.pool.query(`UPDATE kafka_alert_relay SET seq = 14 WHERE name = 'alerts'`);
    const third = await startRelay();
    await third.waitUntilPublished(30_000);
    const seqs = h.records(TOPICS.alerts).map(seqOf);
    expect(seqs).toHaveLength(22);
    expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 18 }, (_, i) => i + 1),
    );
    expect(
      seqs.filter((s) => seqs.indexOf(s) !== seqs.lastIndexOf(s)).sort((a, b) => a - b),
    ).toEqual([15, 15, 16, 16, 17, 17, 18, 18]);
    expect(await storedSeq()).toBe(18);
  });

  it('is woken by NOTIFY on its channel rather than waiting for its poll', async () => {
    const relay = await startRelay({ pollIntervalMs: 10 * 60_000 });
    await relay.waitUntilPublished(30_000);
    await journal(3);
    // Well before the 10 minute poll: only the notification can have woken it.
    await eventually(
      'the entries are published',
      () => h.records(TOPICS.alerts).length === 3,
      30_000,
    );
  });

  it('lets one relay of a name publish while another stands by, which takes over when it stops', async () => {
    await journal(8);
    const a = await startRelay();
    await a.waitUntilPublished(30_000);
    const b = await startRelay(); // a holds the name's lock: b stands by
    await journal(8);
    await a.waitUntilPublished(30_000);
    await a.stop();
    await journal(8);
    await b.waitUntilPublished(30_000);
    const seqs = h.records(TOPICS.alerts).map(seqOf);
    expect(seqs.sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });
  it('publishes every entry after a broker outage that lost the answer to a stored page', async () => {
    const broker = h.broker;
    if (!broker) return; // the outage needs the test broker
    await journal(8);
    // Pages as long as the backlog, as in production: the page retried after the outage is
    // longer than the one whose answer was lost.
    const relay = await startRelay({ batchSize: 500 });
    await relay.waitUntilPublished(30_000);
    // The broker dies right after storing the next page, before the relay hears the answer.
    const gone = new Promise<void>((resolve) => {
      const stopListening = broker.onAppend(({ topic }) => {
        if (topic !== TOPICS.alerts) return;
        stopListening();
        void broker.goAway().then(resolve);
      });
    });
    await journal(4);
    await gone;
    await journal(9); // more entries while it is away: the next page is longer
    await eventually('the relay reported a failed page', () =>
      h.logs.some((entry) => entry.message.startsWith('alert relay: publishing failed')),
    );
    await broker.comeBack();
    await relay.waitUntilPublished(60_000);
    const seqs = h.records(TOPICS.alerts).map(seqOf);
    expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 21 }, (_, i) => i + 1),
    );
    expect(await storedSeq()).toBe(21);
  });
});
