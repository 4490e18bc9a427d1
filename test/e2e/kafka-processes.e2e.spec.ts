import { AssignerProtocol, type Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { KAFKA_HEADERS, TOPICS } from '@cm/contracts';
import { reportStreamId } from '../../libs/contracts/src/events/report-events';
import { compareCheckpoints, type Checkpoint } from '@cm/event-store';
import { loadProgress, partitionFor, TOPIC_DEFINITIONS } from '@cm/messaging';
import {
  READ_MODEL_TABLES,
  REPORT_TABLES,
} from '../../libs/read-models/src/postgres/report-tables';
import { lagGauges } from '../../scripts/demo/caught-up';
import { sendScenario } from '../../scripts/demo/demo-session';
import { MonitorClient } from '../../scripts/demo/monitor-client';
import { tarnValleyScenario, type Scenario } from '../../scripts/demo/tarn-valley.scenario';
import {
  buildApps,
  startDistributedTestbed,
  type AppProcess,
  type AppProcesses,
  type BuiltApps,
  type DistributedTestbed,
} from '@cm/test-support/app-process';
import type { KafkaTestBroker } from '@cm/test-support/kafka-broker/kafka-test-broker';
import { kafkaFor } from '@cm/test-support/kafka-broker/kafka-test-clients';
import { httpClient, startTestApp, TEST_KEYS, type TestDatabase } from '@cm/test-support';
import { eventually as polled, type EventuallyOptions } from '@cm/test-support/eventually';

/** Polls until `condition` holds; two minutes unless said otherwise (processes start slowly). */
const eventually = (
  what: string,
  condition: () => Promise<boolean>,
  options: EventuallyOptions = {},
): Promise<void> => polled(what, condition, { timeoutMs: 120_000, ...options });

jest.setTimeout(240_000);

const DAY_MS = 86_400_000;
const REPORT_PARTITIONS = TOPIC_DEFINITIONS.find((t) => t.topic === TOPICS.reports)!.numPartitions;
const GROUPS = { projector: 'projector', alerter: 'alerter' } as const;

/**
 * One theatre per partition of conflict.reports.v1 (the key is the theatre), so that however
 * the group splits the partitions every member holds theatres with alerts to raise.
 */
function theatresOnEveryPartition(): string[] {
  const byPartition = new Map<number, string>();
  for (let n = 0; byPartition.size < REPORT_PARTITIONS; n++) {
    const theatre = `valley-${n}`;
    const partition = partitionFor(TOPICS.reports, theatre, REPORT_PARTITIONS);
    if (!byPartition.has(partition)) byPartition.set(partition, theatre);
  }
  return [...byPartition.values()].sort();
}

const THEATRES = theatresOnEveryPartition();

/**
 * The demo's story (scripts/demo/tarn-valley.scenario.ts) told in every theatre: 36 reports, a
 * correction and a retraction each, and at least six alerts, one of them resolved by the
 * retraction. The steps are interleaved across theatres (each theatre keeps its own order), so
 * any prefix of them holds work for every partition.
 *
 * The story ends yesterday, not today: the overview counts violations of the last 24 h and 7 d
 * before the moment it is asked, and yesterday's story has no report on either edge today, so
 * two overviews asked a minute apart cannot differ by a report crossing one.
 */
function storyInEveryTheatre(): Scenario {
  const story = tarnValleyScenario(new Date(Date.now() - DAY_MS));
  const retold = THEATRES.map((theatre) =>
    story.steps.map((step) => {
      const reportId = (id: string) => id.replace(/^tarn-/, `${theatre}-`);
      return step.kind === 'file'
        ? { ...step, report: { ...step.report, theatre, reportId: reportId(step.report.reportId) } }
        : { ...step, reportId: reportId(step.reportId) };
    }),
  );
  const steps = story.steps.flatMap((_, index) =>
    retold.map((theatreSteps) => theatreSteps[index]),
  );
  return { ...story, theatre: THEATRES[0], steps };
}

const STORY = storyInEveryTheatre();

/** A part of the story's steps: [from, to) of its length, as shares. */
function part(from: number, to: number): Scenario {
  const steps = STORY.steps;
  return {
    ...STORY,
    steps: steps.slice(Math.round(from * steps.length), Math.round(to * steps.length)),
  };
}

/**
 * Everything stored has been handled by `groups`: on every partition, the group's progress
 * (kafka_consumer_progress, committed with its writes) is at or after the store checkpoint of
 * the last event whose theatre (the message key, as theatreOf) the partition holds. Read
 * straight from the events table: the store's readAll stops below the oldest transaction
 * still running anywhere on the server, which another test's open transaction can hold back.
 */
async function groupsCaughtUp(pool: Pool, groups: readonly string[]): Promise<boolean> {
  const { rows } = await pool.query<{ theatre: string; position: string; transaction_id: string }>(
    `SELECT DISTINCT ON (theatre) theatre, position::text AS position,
            transaction_id::text AS transaction_id
     FROM (SELECT coalesce(data->>'theatre', stream_id) AS theatre, position, transaction_id
           FROM events) AS stored
     ORDER BY theatre, stored.transaction_id DESC, stored.position DESC`,
  );
  const last = new Map<number, Checkpoint>();
  for (const row of rows) {
    const partition = partitionFor(TOPICS.reports, row.theatre, REPORT_PARTITIONS);
    const checkpoint = { position: Number(row.position), transactionId: row.transaction_id };
    const before = last.get(partition);
    if (!before || compareCheckpoints(checkpoint, before) > 0) last.set(partition, checkpoint);
  }
  for (const group of groups) {
    for (const [partition, checkpoint] of last) {
      const progress = await loadProgress(pool, group, TOPICS.reports, partition);
      if (compareCheckpoints(progress.effective, checkpoint) < 0) return false;
    }
  }
  return last.size > 0;
}

/** The alert relay has published the whole alert_changes journal (its stored seq). */
async function alertRelayCaughtUp(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ behind: boolean }>(
    `SELECT coalesce((SELECT max(seq) FROM alert_changes), 0)
          > coalesce((SELECT max(seq) FROM kafka_alert_relay), 0) AS behind`,
  );
  return !rows[0].behind;
}

/** What a dashboard sees of an alert, without the instants that differ between two runs. */
function comparable(alert: any) {
  const { raisedAt: _r, updatedAt: _u, acknowledgement: _a, resolution, ...rest } = alert;
  return { ...rest, resolution: resolution && { by: resolution.by, note: resolution.note } };
}

/** docs/API.md's alert fields (what a backtest also answers), raisedAt included. */
function contractFields(alert: any) {
  const { alertId, rule, theatre, severity, status, summary, windowStart, windowEnd } = alert;
  const { raisedAt, evidence } = alert;
  return {
    alertId,
    rule,
    theatre,
    severity,
    status,
    summary,
    windowStart,
    windowEnd,
    raisedAt,
    evidence,
  };
}

const byAlertId = (a: { alertId: string }, b: { alertId: string }) =>
  a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0;

/** Every page of a `{ items, nextCursor }` list. */
async function allPages(baseUrl: string, path: string): Promise<any[]> {
  const get = httpClient(baseUrl, TEST_KEYS.read);
  const items: any[] = [];
  let cursor: string | null | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await get(
      'GET',
      `${path}${separator}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`GET ${path} answered ${page.status}: ${page.text}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/** The overview without the instants of the query itself (`at`, the 24 h and 7 d windows). */
function withoutQueryTimes(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, field: unknown) =>
      ['at', 'from', 'to'].includes(key) ? undefined : field,
    ),
  );
}

const LISTS = ['deployments', 'casualties', 'ceasefire-violations', 'sanction-demands'] as const;

/** What a monitor shows after the story: over its HTTP API and in its read-model tables. */
interface Snapshot {
  theatres: unknown;
  overviews: Record<string, unknown>;
  lists: Record<string, unknown[]>;
  alerts: any[];
  /**
   * The rm_* tables row by row, without `position`: the store hands positions out from an
   * identity column, gap-tolerant (a rolled-back insert skips one), so two databases given the
   * same reports need not number them alike. Instead, positionMismatches checks each row's
   * position against its own database's event store.
   */
  readModels: Record<string, string[]>;
  /** Rows of the report tables whose position is not their report's last stored event. */
  positionMismatches: string[];
}

async function readSnapshot(baseUrl: string, pool: Pool): Promise<Snapshot> {
  const read = httpClient(baseUrl, TEST_KEYS.read);
  const theatres = await read('GET', '/v1/theatres');
  expect(theatres.status).toBe(200);
  const overviews: Record<string, unknown> = {};
  const lists: Record<string, unknown[]> = {};
  for (const theatre of THEATRES) {
    const overview = await read('GET', `/v1/theatres/${theatre}/overview`);
    expect(overview.status).toBe(200);
    overviews[theatre] = withoutQueryTimes(overview.body);
    for (const list of LISTS) {
      lists[`${theatre}/${list}`] = await allPages(baseUrl, `/v1/theatres/${theatre}/${list}`);
    }
  }
  const alerts = (await allPages(baseUrl, '/v1/alerts')).sort(byAlertId);

  const readModels: Record<string, string[]> = {};
  for (const table of READ_MODEL_TABLES) {
    const { rows } = await pool.query<{ row: string }>(
      `SELECT row FROM (SELECT (to_jsonb(t) - 'position')::text AS row FROM ${table} t) AS rows
       ORDER BY row COLLATE "C"`,
    );
    readModels[table] = rows.map((row) => row.row);
  }
  const { rows: heads } = await pool.query<{ stream_id: string; position: string }>(
    `SELECT stream_id, max(position)::text AS position FROM events GROUP BY stream_id`,
  );
  const lastPosition = new Map(heads.map((row) => [row.stream_id, Number(row.position)]));
  const positionMismatches: string[] = [];
  for (const { name } of Object.values(REPORT_TABLES)) {
    const { rows } = await pool.query<{ report_id: string; position: string }>(
      `SELECT report_id, position::text AS position FROM ${name}`,
    );
    for (const row of rows) {
      if (lastPosition.get(reportStreamId(row.report_id)) !== Number(row.position)) {
        positionMismatches.push(`${name} ${row.report_id} at ${row.position}`);
      }
    }
  }
  return {
    theatres: theatres.body,
    overviews,
    lists,
    alerts,
    readModels,
    positionMismatches,
  };
}

let embeddedRun: Promise<Snapshot> | undefined;

/**
 * The embedded monitor (one process, store subscriptions, no Kafka) told the same story on a
 * database of its own: what the distributed processes must come out equal to. Run once for
 * the file, in this process, and closed when read.
 */
function embeddedSnapshot(): Promise<Snapshot> {
  embeddedRun ??= (async () => {
    const app = await startTestApp();
    try {
      await sendScenario(new MonitorClient(app.baseUrl, TEST_KEYS.both), STORY, () => undefined);
      const metrics = httpClient(app.baseUrl);
      await eventually('the embedded monitor to catch up', async () => {
        const gauges = lagGauges((await metrics('GET', '/metrics')).text);
        return gauges.size > 0 && [...gauges.values()].every((lag) => lag === 0);
      });
      return await readSnapshot(app.baseUrl, app.database.pool);
    } finally {
      await app.close();
    }
  })();
  return embeddedRun;
}

/** The records of conflict.alerts.v1 by their `event-id` header (`alert-change-<seq>`). */
function alertRecords(broker: KafkaTestBroker) {
  return broker.records(TOPICS.alerts).map((record) => {
    const header = (key: string) => String(record.headers.find((h) => h.key === key)?.value ?? '');
    return {
      eventId: header(KAFKA_HEADERS.eventId),
      eventType: header(KAFKA_HEADERS.eventType),
      key: String(record.key),
      alert: JSON.parse(String(record.value)) as { alertId: string; theatre: string },
    };
  });
}

/**
 * conflict.alerts.v1 carries the alert_changes journal: every entry, under its event id, with
 * the alert as the entry has it, keyed by theatre, and nothing else. `exactlyOnce`: no entry
 * twice (nothing crashed); else duplicates of an entry are allowed (a relay killed between
 * publishing a page and storing its seq publishes the page again), all equal.
 */
async function expectAlertTopicCarriesJournal(
  broker: KafkaTestBroker,
  pool: Pool,
  options: { exactlyOnce: boolean },
): Promise<void> {
  const { rows: journal } = await pool.query<{ seq: string; change: string; alert: unknown }>(
    `SELECT seq::text AS seq, change, alert FROM alert_journal ORDER BY alert_journal.seq`,
  );
  expect(journal.length).toBeGreaterThan(0);
  const records = alertRecords(broker);
  const published = new Map<string, (typeof records)[number][]>();
  for (const record of records) {
    published.set(record.eventId, [...(published.get(record.eventId) ?? []), record]);
  }
  expect([...published.keys()].sort()).toEqual(
    journal.map((entry) => `alert-change-${entry.seq}`).sort(),
  );
  for (const entry of journal) {
    for (const record of published.get(`alert-change-${entry.seq}`)!) {
      expect(record.eventType).toBe(`alert.${entry.change}`);
      expect(record.alert).toEqual(entry.alert);
      expect(record.key).toBe(record.alert.theatre);
    }
  }
  if (options.exactlyOnce) expect(records).toHaveLength(journal.length);
  // A consumer dropping duplicates by event id reads each alert's changes in journal order, so
  // its last word on an alert is the latest.
  const seqsOf = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.eventId)) continue;
    seen.add(record.eventId);
    const seq = Number(record.eventId.replace('alert-change-', ''));
    seqsOf.set(record.alert.alertId, [...(seqsOf.get(record.alert.alertId) ?? []), seq]);
  }
  for (const seqs of seqsOf.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
}

/**
 * Every alert is raised exactly once: in the alert_changes journal, each alert's first entry
 * is its one 'raised' (an alert that one batch both raised and resolved is journaled as both,
 * see engineSteps in libs/alerts/src/domain/alert-lifecycle.ts). Answers the alert
 * ids, sorted.
 */
async function expectEachAlertRaisedOnce(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ alert_id: string; changes: string[] }>(
    `SELECT alert_id::text AS alert_id, array_agg(change ORDER BY seq) AS changes
     FROM alert_changes GROUP BY alert_id ORDER BY alert_id::text COLLATE "C"`,
  );
  expect(rows.length).toBeGreaterThan(0);
  const wrong = rows.filter(
    ({ changes: [first, ...later] }) => first !== 'raised' || later.includes('raised'),
  );
  expect(wrong).toEqual([]);
  return rows.map((row) => row.alert_id);
}

/** The last change of each alert on conflict.alerts.v1, by alert id. */
function lastWordOnTopic(broker: KafkaTestBroker): Map<string, unknown> {
  const last = new Map<string, unknown>();
  for (const record of alertRecords(broker)) last.set(record.alert.alertId, record.alert);
  return last;
}

/**
 * The distributed mode as deployed: ingest (with the relay to conflict.reports.v1), projector
 * (group `projector`), alerter (group `alerter`, and the relay to conflict.alerts.v1) and query,
 * each its own process of the built apps, over the Kafka test broker in this process and one
 * PostgreSQL database; the embedded monitor told the same story is the reference.
 */
describe('the distributed mode as separate processes (ingest, projector, alerter, query)', () => {
  let built: BuiltApps | undefined;

  beforeAll(() => {
    built = buildApps();
  }, 120_000);
  afterAll(() => built?.remove(), 120_000);

  describe('one process of each app', () => {
    let processes: AppProcesses;
    let broker: KafkaTestBroker;
    let database: TestDatabase;
    let ingest: AppProcess;
    let query: AppProcess;

    let testbed: DistributedTestbed | undefined;

    beforeAll(async () => {
      testbed = await startDistributedTestbed(built!);
      ({ processes, broker, database } = testbed);
      ({ ingest, query } = await processes.startDistributed(testbed.env));
    }, 120_000);

    afterAll(() => testbed?.stop(), 120_000);

    it('read models and alerts equal the embedded monitor, every alert change on conflict.alerts.v1', async () => {
      const tally = await sendScenario(
        new MonitorClient(ingest.baseUrl, TEST_KEYS.both),
        STORY,
        () => undefined,
      );
      expect(tally).toEqual({
        created: STORY.steps.filter((s) => s.kind === 'file').length,
        duplicate: 0,
        conflict: 0,
      });
      const { pool } = database;
      const read = httpClient(query.baseUrl, TEST_KEYS.read);
      await eventually(
        'projector, alerter and the alert relay to handle every stored event',
        async () =>
          (await groupsCaughtUp(pool, [GROUPS.projector, GROUPS.alerter])) &&
          (await alertRelayCaughtUp(pool)) &&
          (await read('GET', '/v1/theatres')).body?.items?.length === THEATRES.length,
        { diagnostics: () => processes.outputs() },
      );

      const distributed = await readSnapshot(query.baseUrl, pool);
      const embedded = await embeddedSnapshot();

      expect(distributed.positionMismatches).toEqual([]);
      expect(embedded.positionMismatches).toEqual([]);
      expect(distributed.readModels.rm_deployments.length).toBeGreaterThan(0);
      expect(distributed.readModels).toEqual(embedded.readModels);
      expect(distributed.theatres).toEqual(embedded.theatres);
      expect(distributed.overviews).toEqual(embedded.overviews);
      expect(distributed.lists).toEqual(embedded.lists);

      expect(distributed.alerts.length).toBeGreaterThanOrEqual(6 * THEATRES.length);
      expect(new Set(distributed.alerts.map((a) => a.status))).toEqual(
        new Set(['open', 'resolved']),
      );
      expect(distributed.alerts.map(comparable)).toEqual(embedded.alerts.map(comparable));
      expect(await expectEachAlertRaisedOnce(pool)).toEqual(
        distributed.alerts.map((alert) => alert.alertId),
      );

      await eventually('conflict.alerts.v1 to hold every journal entry', async () => {
        const { rows } = await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM alert_changes',
        );
        return new Set(alertRecords(broker).map((r) => r.eventId)).size >= rows[0].n;
      });
      await expectAlertTopicCarriesJournal(broker, pool, { exactlyOnce: true });
      expect(lastWordOnTopic(broker)).toEqual(
        new Map(distributed.alerts.map((alert) => [alert.alertId, alert])),
      );
      expect(broker.errors).toEqual([]);
    });
  });

  describe('a second alerter joining the group, then the first killed with SIGKILL', () => {
    let processes: AppProcesses;
    let broker: KafkaTestBroker;
    let database: TestDatabase;
    let admin: Admin | undefined;
    let testbed: DistributedTestbed | undefined;

    beforeAll(async () => {
      testbed = await startDistributedTestbed(built!);
      ({ processes, broker, database } = testbed);
    }, 120_000);

    afterAll(async () => {
      await admin?.disconnect();
      await testbed?.stop();
    }, 120_000);

    /** Group `alerter` once Stable: each member's pid (from its client id) and partitions. */
    async function alerterMembers(): Promise<Map<number, number[]> | undefined> {
      const { groups } = await admin!.describeGroups([GROUPS.alerter]);
      const group = groups[0];
      if (group?.state !== 'Stable') return undefined;
      const members = new Map<number, number[]>();
      for (const member of group.members) {
        const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
        const pid = Number(/(\d+)$/.exec(member.clientId)?.[1]);
        members.set(
          pid,
          [...(assignment?.assignment[TOPICS.reports] ?? [])].sort((a, b) => a - b),
        );
      }
      return members;
    }

    it('rebalances to the survivor and raises every alert exactly once, as a backtest does', async () => {
      const { env } = testbed!;
      const [ingest, query, first] = await Promise.all([
        processes.start('ingest', env),
        processes.start('query', env),
        processes.start('alerter', env, { label: 'alerter-1' }),
      ]);
      admin = kafkaFor(broker, 'test-observer').admin();
      await admin.connect();
      const diagnostics = () => processes.outputs();
      const { pool } = database;
      const client = new MonitorClient(ingest.baseUrl, TEST_KEYS.both);
      const journalCount = async (change: string) =>
        (
          await pool.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM alert_changes WHERE change = $1',
            [change],
          )
        ).rows[0].n;

      // The first third of the story; the first alerter alone holds every partition.
      await sendScenario(client, part(0, 1 / 3), () => undefined);
      await eventually(
        'the first alerter to raise alerts',
        async () => (await journalCount('raised')) > 0,
        {
          diagnostics,
        },
      );

      // The second third is filed while the second alerter joins and the group rebalances.
      const filing = sendScenario(client, part(1 / 3, 2 / 3), () => undefined);
      filing.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      const second = await processes.start('alerter', env, { label: 'alerter-2' });
      await eventually(
        'both alerters to hold partitions',
        async () => {
          const members = await alerterMembers();
          return (
            members?.size === 2 &&
            (members.get(first.pid)?.length ?? 0) > 0 &&
            (members.get(second.pid)?.length ?? 0) > 0
          );
        },
        { diagnostics },
      );
      const heldByFirst = (await alerterMembers())!.get(first.pid)!;
      await filing;

      // No goodbye: the group learns of it when the session times out (30 s by default).
      first.child.kill('SIGKILL');
      expect(await first.exited()).toBe('SIGKILL');

      // The last third, corrections and retractions among it, lands on the dead member's
      // partitions too: only the survivor, once it took them over, can handle it.
      await sendScenario(client, part(2 / 3, 1), () => undefined);
      await eventually(
        'the second alerter to hold every partition',
        async () => {
          const members = await alerterMembers();
          return members?.size === 1 && members.get(second.pid)?.length === REPORT_PARTITIONS;
        },
        { timeoutMs: 120_000, diagnostics },
      );
      await eventually(
        'the alerter group and the alert relay to handle every stored event',
        async () =>
          (await groupsCaughtUp(pool, [GROUPS.alerter])) && (await alertRelayCaughtUp(pool)),
        { diagnostics },
      );
      expect(heldByFirst.length).toBeGreaterThan(0);

      const journaled = await expectEachAlertRaisedOnce(pool);
      const alerts = (await allPages(query.baseUrl, '/v1/alerts')).sort(byAlertId);
      expect(alerts.length).toBeGreaterThanOrEqual(6 * THEATRES.length);
      expect(journaled).toEqual(alerts.map((a) => a.alertId));

      // The same alerts as the rules replayed over the stored history (raisedAt is the
      // raising event's recorded time, so it is the same too) and as the embedded monitor.
      // Among them, alerts the dead member raised that the last third changed (the late
      // violation joins the first ceasefire-breakdown's evidence): an engine not restored on
      // takeover would raise them anew or miss the change.
      const backtest = await httpClient(query.baseUrl, TEST_KEYS.read)(
        'POST',
        '/v1/rules/backtest',
        {},
      );
      expect(backtest.status).toBe(200);
      expect(alerts.map(contractFields)).toEqual(
        [...backtest.body.items].sort(byAlertId).map(contractFields),
      );
      expect(alerts.map(comparable)).toEqual((await embeddedSnapshot()).alerts.map(comparable));

      await expectAlertTopicCarriesJournal(broker, pool, { exactlyOnce: false });
      expect(lastWordOnTopic(broker)).toEqual(
        new Map(alerts.map((alert) => [alert.alertId, alert])),
      );
      expect(broker.errors).toEqual([]);
    });
  });
});
