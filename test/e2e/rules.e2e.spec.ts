import { aDeploymentReport, aViolationReport } from '@cm/contracts/testing';
import type { TestApp } from '@cm/test-support';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';

/** A rule of our own, sent in the backtest body: two violations within a day. */
const twoViolationsInADay = {
  id: 'two-violations-in-a-day',
  kind: 'threshold',
  description: 'Two ceasefire violations within 24 hours.',
  severity: 'high',
  cooldown: '1d',
  match: { type: 'ceasefire_violation' },
  window: { duration: '24h' },
  require: { count: { atLeast: 2 } },
  summary: '{{count}} violations from {{windowStart}} to {{windowEnd}}: {{evidence}}',
};

const DEFAULT_RULES = [
  'casualty-spike',
  'ceasefire-breakdown',
  'foreign-reinforcement',
  'heavy-weapons-transfer',
  'reinforcement-during-ceasefire',
  'sanctions-precondition',
];

describe('rules over HTTP: GET /v1/rules, POST /v1/rules/backtest (real app, real PostgreSQL)', () => {
  let testApp: TestApp;
  let reader: ReturnType<typeof httpClient>;
  let ingest: ReturnType<typeof httpClient>;

  /** Row counts of every table: what a backtest must leave as it found it. */
  const rowCounts = async (): Promise<Record<string, number>> => {
    const { pool } = testApp.database;
    const { rows } = await pool.query<{ name: string }>(
      `SELECT quote_ident(table_name) AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of rows) {
      const result = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
      counts[name] = Number(result.rows[0].n);
    }
    return counts;
  };

  /** Every subscription (projector, alerter, ...) past the newest event, so nothing moves. */
  const untilSubscriptionsCaughtUp = async (): Promise<void> => {
    const { pool } = testApp.database;
    for (let attempt = 0; attempt < 300; attempt++) {
      const { rows } = await pool.query<{ behind: string }>(
        `SELECT count(*) AS behind FROM subscription_checkpoints
         WHERE position < (SELECT coalesce(max(position), 0) FROM events)`,
      );
      if (Number(rows[0].behind) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('subscriptions did not catch up within 30 s');
  };

  const violation = (reportId: string, occurredAt: string, accusedParty: string) =>
    aViolationReport({
      reportId,
      theatre: 'backtest-e2e',
      occurredAt,
      occurredPrecision: 'hour',
      reportedAt: '2025-04-10T00:00:00.000Z',
      details: { accusedParty, accusingParty: accusedParty === 'RU' ? 'UA' : 'RU' },
    });

  beforeAll(async () => {
    testApp = await startTestApp();
    reader = httpClient(testApp.baseUrl, TEST_KEYS.read);
    ingest = httpClient(testApp.baseUrl, TEST_KEYS.ingest);
    const reports = [
      violation('bt-violation-1', '2025-04-02T01:00:00.000Z', 'RU'),
      violation('bt-violation-2', '2025-04-02T20:00:00.000Z', 'UA'),
      violation('bt-violation-3', '2025-04-09T12:00:00.000Z', 'RU'),
      // Another theatre's violations: counted only when that theatre is asked for.
      { ...violation('bt-other-1', '2025-04-02T02:00:00.000Z', 'RU'), theatre: 'other-e2e' },
      { ...violation('bt-other-2', '2025-04-02T03:00:00.000Z', 'RU'), theatre: 'other-e2e' },
      // Eleven days after the last violation: no co-occurrence with it.
      aDeploymentReport({
        reportId: 'bt-deployment',
        theatre: 'backtest-e2e',
        occurredAt: '2025-04-20T00:00:00.000Z',
        reportedAt: '2025-04-20T09:30:00.000Z',
      }),
    ];
    for (const report of reports) {
      expect((await ingest('POST', '/v1/reports', report)).status).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    await testApp.close();
  }, 120_000);

  it('GET /v1/rules lists the active rules: the default rule set of infra/rules', async () => {
    const response = await reader('GET', '/v1/rules');
    expect(response.status).toBe(200);
    const ids = (response.body.items as { id: string }[]).map((rule) => rule.id).sort();
    expect(ids).toEqual(DEFAULT_RULES);
    expect(response.body.items).toContainEqual(
      expect.objectContaining({
        id: 'ceasefire-breakdown',
        kind: 'threshold',
        severity: 'critical',
        window: { duration: '72h' },
      }),
    );
  });

  it('backtests a rule from the body over the stored reports and writes nothing', async () => {
    await untilSubscriptionsCaughtUp();
    const before = await rowCounts();
    const response = await reader('POST', '/v1/rules/backtest', {
      rules: [twoViolationsInADay],
      theatre: 'backtest-e2e',
    });
    expect(response.status).toBe(200);
    expect(response.body.rules).toEqual(['two-violations-in-a-day']);
    expect(response.body.throughPosition).toBeGreaterThanOrEqual(6);
    expect(response.body.items).toEqual([
      expect.objectContaining({
        rule: 'two-violations-in-a-day',
        theatre: 'backtest-e2e',
        severity: 'high',
        status: 'open',
        windowStart: '2025-04-02T01:00:00.000Z',
        windowEnd: '2025-04-02T20:00:00.000Z',
        evidence: [
          {
            reportId: 'bt-violation-1',
            type: 'ceasefire_violation',
            occurredAt: '2025-04-02T01:00:00.000Z',
          },
          {
            reportId: 'bt-violation-2',
            type: 'ceasefire_violation',
            occurredAt: '2025-04-02T20:00:00.000Z',
          },
        ],
      }),
    ]);
    expect(response.body.items[0].summary).toContain('bt-violation-1');
    expect(await rowCounts()).toEqual(before);
  });

  it('without a theatre replays every theatre; from and to keep the alerts whose window meets them', async () => {
    const all = await reader('POST', '/v1/rules/backtest', { rules: [twoViolationsInADay] });
    expect(all.status).toBe(200);
    expect(all.body.items.map((alert: { theatre: string }) => alert.theatre).sort()).toEqual([
      'backtest-e2e',
      'other-e2e',
    ]);
    const later = await reader('POST', '/v1/rules/backtest', {
      rules: [twoViolationsInADay],
      from: '2025-04-03T00:00:00Z',
    });
    expect(later.body.items).toEqual([]);
    const theatresMeeting = async (from: string, to: string): Promise<string[]> => {
      const response = await reader('POST', '/v1/rules/backtest', {
        rules: [twoViolationsInADay],
        from,
        to,
      });
      expect(response.status).toBe(200);
      return response.body.items.map((alert: { theatre: string }) => alert.theatre).sort();
    };
    // Windows: backtest-e2e 01:00-20:00, other-e2e 02:00-03:00 on 2 April.
    expect(await theatresMeeting('2025-04-02T02:30:00Z', '2025-04-02T02:45:00Z')).toEqual([
      'backtest-e2e',
      'other-e2e',
    ]);
    expect(await theatresMeeting('2025-04-02T19:00:00Z', '2025-04-02T19:30:00Z')).toEqual([
      'backtest-e2e',
    ]);
    expect(await theatresMeeting('2025-04-02T20:00:00Z', '2025-04-02T20:00:00Z')).toEqual([
      'backtest-e2e',
    ]);
  });

  it('runs the active rules when the body names none', async () => {
    await untilSubscriptionsCaughtUp();
    const before = await rowCounts();
    const response = await reader('POST', '/v1/rules/backtest', { theatre: 'backtest-e2e' });
    expect(response.status).toBe(200);
    expect([...response.body.rules].sort()).toEqual(DEFAULT_RULES);
    // The deployment (KP supporting RU, 11,000 personnel, artillery and MRLs) in the theatre.
    expect(response.body.items.map((alert: { rule: string }) => alert.rule).sort()).toEqual([
      'foreign-reinforcement',
      'heavy-weapons-transfer',
    ]);
    expect(await rowCounts()).toEqual(before);
    // Reading one theatre's events (by its index) gives what the whole store's replay gives.
    const everywhere = await reader('POST', '/v1/rules/backtest', {});
    expect(
      everywhere.body.items.filter(
        (alert: { theatre: string }) => alert.theatre === 'backtest-e2e',
      ),
    ).toEqual(response.body.items);
  });

  it('answers backtests of the whole store asked at once, one after the other, each in full', async () => {
    const answers = await Promise.all(
      [0, 1, 2].map(() => reader('POST', '/v1/rules/backtest', { rules: [twoViolationsInADay] })),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(answers[0].body);
    }
    expect(answers[0].body.items).toHaveLength(2);
  });

  it('answers 400 problem+json naming the field of an invalid rule, and of an unknown field', async () => {
    const invalid = await reader('POST', '/v1/rules/backtest', {
      rules: [{ ...twoViolationsInADay, window: { duration: 'soon' } }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    expect(invalid.body).toMatchObject({
      status: 400,
      code: 'REQUEST.INVALID',
      errors: [{ path: 'rules.0.window.duration', message: expect.any(String) }],
    });

    const unknown = await reader('POST', '/v1/rules/backtest', { rules: [], since: 'then' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'since', message: expect.stringMatching(/not a field/) },
        { path: 'rules', message: expect.stringMatching(/at least one rule/) },
      ]),
    );
  });

  it('needs a key (401) with the read role (403)', async () => {
    const anonymous = httpClient(testApp.baseUrl);
    expect((await anonymous('GET', '/v1/rules')).status).toBe(401);
    expect((await anonymous('POST', '/v1/rules/backtest', {})).status).toBe(401);
    expect((await ingest('GET', '/v1/rules')).status).toBe(403);
    const forbidden = await ingest('POST', '/v1/rules/backtest', {});
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
  });
});
