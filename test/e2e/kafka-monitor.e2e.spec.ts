import { sendScenario, untilSettled } from '../../scripts/demo/demo-session';
import { MonitorClient } from '../../scripts/demo/monitor-client';
import { tarnValleyScenario } from '../../scripts/demo/tarn-valley.scenario';
import { KafkaTestBroker } from '@cm/test-support/kafka-broker/kafka-test-broker';
import { itWithKcat, kcatConsume } from '@cm/test-support/kafka-broker/kcat';
import { httpClient, startTestApp, TEST_KEYS, type TestApp } from '@cm/test-support';
import { eventually } from '@cm/test-support/eventually';

/** What a dashboard sees of an alert, without the instants that differ between two runs. */
function comparable(alert: object) {
  const {
    raisedAt: _r,
    updatedAt: _u,
    resolution,
    acknowledgement: _a,
    ...rest
  } = alert as {
    raisedAt: string;
    updatedAt: string;
    resolution?: { by: string; note?: string };
    acknowledgement?: unknown;
  };
  return { ...rest, resolution: resolution && { by: resolution.by, note: resolution.note } };
}

/**
 * The monitor in distributed mode within one process (relay, consumer groups `projector` and
 * `alerter`, alert relay) over the Kafka test broker and a real PostgreSQL, against the same
 * story told to the embedded monitor: the read models and the alerts must come out the same,
 * and conflict.alerts.v1 must carry every alert change the REST API shows.
 */
describe('the monitor on Kafka (test broker) against the embedded monitor', () => {
  const now = new Date();
  const scenario = tarnValleyScenario(now);
  let broker: KafkaTestBroker;
  let kafkaApp: TestApp;
  let embeddedApp: TestApp;

  beforeAll(async () => {
    broker = await KafkaTestBroker.start({ autoCreateTopics: false });
    [kafkaApp, embeddedApp] = await Promise.all([
      startTestApp({ kafkaBrokers: broker.brokers }),
      startTestApp(),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([kafkaApp?.close(), embeddedApp?.close()]);
    await broker?.stop();
  }, 120_000);

  it('creates the contract topics through the admin client', () => {
    expect(broker.topics().sort()).toEqual([
      'conflict.alerts.v1',
      'conflict.reports.dlq.v1',
      'conflict.reports.v1',
    ]);
  });

  it('reports in, the same read models and alerts out, every alert change on conflict.alerts.v1', async () => {
    const results = [];
    for (const app of [kafkaApp, embeddedApp]) {
      const client = new MonitorClient(app.baseUrl, TEST_KEYS.both);
      await sendScenario(client, scenario, () => undefined);
      results.push(await untilSettled(client, { overview: true, alerts: true }, 'tarn-valley'));
    }
    const [kafka, embedded] = results;
    expect(kafka.alerts.length).toBeGreaterThanOrEqual(6);
    expect(withoutQueryTimes(kafka.overview)).toEqual(withoutQueryTimes(embedded.overview));
    expect(kafka.alerts.map(comparable)).toEqual(embedded.alerts.map(comparable));

    // Every stored event went to conflict.reports.v1 once, with the contract's headers.
    const { rows } = await kafkaApp.database.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM events',
    );
    const relayed = broker.records('conflict.reports.v1');
    expect(relayed).toHaveLength(Number(rows[0].n));
    const headers = Object.fromEntries(
      relayed[0].headers.map(({ key, value }) => [key, String(value)]),
    );
    expect(headers['content-type']).toBe('application/json');
    expect(headers['event-type']).toBe(JSON.parse(String(relayed[0].value)).type);
    expect(String(relayed[0].key)).toBe('tarn-valley');

    // The alert topic holds the journal: its last word on each alert is what REST lists.
    const journal = await kafkaApp.database.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM alert_changes',
    );
    await eventually(
      'the alert topic to hold every journal entry',
      () => broker.records('conflict.alerts.v1').length >= Number(journal.rows[0].n),
    );
    const last = new Map<string, unknown>();
    for (const record of broker.records('conflict.alerts.v1')) {
      const alert = JSON.parse(String(record.value)) as { alertId: string };
      last.set(alert.alertId, alert);
    }
    const listed = await httpClient(kafkaApp.baseUrl, TEST_KEYS.read)(
      'GET',
      '/v1/alerts?limit=500',
    );
    expect(listed.status).toBe(200);
    expect(new Map(listed.body.items.map((a: { alertId: string }) => [a.alertId, a]))).toEqual(
      last,
    );
  }, 120_000);

  it('is ready only while a Kafka broker answers (/health/ready names kafka)', async () => {
    const health = httpClient(kafkaApp.baseUrl);
    const up = await health('GET', '/health/ready');
    expect(up.status).toBe(200);
    expect(up.body.info).toMatchObject({ database: { status: 'up' }, kafka: { status: 'up' } });
    await broker.goAway();
    try {
      const down = await health('GET', '/health/ready');
      expect(down.status).toBe(503);
      expect(down.headers.get('content-type')).toContain('application/problem+json');
      expect(down.body).toMatchObject({
        code: 'HEALTH.NOT_READY',
        detail: 'Not ready: kafka down.',
        checks: { database: { status: 'up' }, kafka: { status: 'down' } },
      });
    } finally {
      await broker.comeBack();
    }
    let again = await health('GET', '/health/ready');
    for (let i = 0; again.status !== 200 && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await health('GET', '/health/ready');
    }
    expect(again.status).toBe(200);
  }, 60_000);

  itWithKcat(
    'kcat (librdkafka) reads from conflict.alerts.v1 the alerts the REST API lists',
    async () => {
      const listed = await httpClient(kafkaApp.baseUrl, TEST_KEYS.read)(
        'GET',
        '/v1/alerts?limit=500',
      );
      const lines = await kcatConsume({
        broker: broker.brokers[0],
        topic: 'conflict.alerts.v1',
        offset: 'beginning',
        format: '%h\t%s',
      });
      const last = new Map<string, { status: string }>();
      for (const line of lines) {
        const [headers, value] = line.split('\t');
        expect(headers).toContain('content-type=application/json');
        const alert = JSON.parse(value) as { alertId: string; status: string };
        last.set(alert.alertId, alert);
      }
      expect([...last.keys()].sort()).toEqual(
        listed.body.items.map((a: { alertId: string }) => a.alertId).sort(),
      );
      for (const item of listed.body.items) expect(last.get(item.alertId)).toEqual(item);
    },
    60_000,
  );
});

/** The overview without the instants of the query itself (`at`, the 24 h and 7 d windows). */
function withoutQueryTimes(overview: unknown): unknown {
  return JSON.parse(
    JSON.stringify(overview, (key, value: unknown) =>
      ['at', 'from', 'to'].includes(key) ? undefined : value,
    ),
  );
}
