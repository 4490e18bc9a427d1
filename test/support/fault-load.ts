import { aCasualtyReport, aViolationReport } from '@cm/contracts/testing';

/** What a load run saw: every answer's status, and the report ids acknowledged (200/201). */
export interface LoadFigures {
  requests: number;
  statuses: Record<string, number>;
  acknowledged: string[];
}

const THEATRES = ['russia-ukraine', 'israel-hamas', 'sudan'];

/**
 * Ceasefire violations accusing both sides in turn, hours apart, so the rules raise alerts
 * (three within 72 h naming two parties), with casualty increments between them: a mix
 * the projector and the alerter both work on.
 */
export function reportNumbered(prefix: string, n: number): Record<string, unknown> {
  const theatre = THEATRES[n % THEATRES.length];
  const occurredAt = new Date(Date.UTC(2024, 0, 1) + n * 1_800_000);
  const reportedAt = new Date(occurredAt.getTime() + 3_600_000).toISOString();
  const reportId = `${prefix}-${n}`;
  if (n % 4 === 3) {
    return aCasualtyReport({
      reportId,
      theatre,
      occurredAt: occurredAt.toISOString(),
      reportedAt,
      details: {
        party: n % 8 === 3 ? 'UA' : 'RU',
        category: 'killed',
        civilian: false,
        count: { best: 10 + (n % 50) },
        cumulative: false,
      },
    } as never) as unknown as Record<string, unknown>;
  }
  return aViolationReport({
    reportId,
    theatre,
    occurredAt: occurredAt.toISOString(),
    reportedAt,
    details: {
      ceasefire: `${theatre}-truce`,
      accusedParty: n % 2 === 0 ? 'RU' : 'UA',
      accusingParty: n % 2 === 0 ? 'UA' : 'RU',
      means: 'drone',
      target: 'port infrastructure',
      description: `violation ${n}`,
    },
  } as never) as unknown as Record<string, unknown>;
}

/**
 * Concurrent clients filing reports (single POSTs, and every fifth request a batch of 5)
 * and reading lists, until `stop()` is called. A network error (the process gone) counts
 * as status "network"; each client waits a little after one, as a real client would.
 */
export function startLoad(
  baseUrl: () => string,
  options: { prefix: string; clients: number; headers?: Record<string, string> },
): { figures: LoadFigures; stop(): Promise<LoadFigures> } {
  const figures: LoadFigures = { requests: 0, statuses: {}, acknowledged: [] };
  let next = 0;
  let running = true;
  const count = (status: string): void => {
    figures.requests += 1;
    figures.statuses[status] = (figures.statuses[status] ?? 0) + 1;
  };
  const headers = { 'content-type': 'application/json', ...options.headers };
  const client = async (id: number): Promise<void> => {
    for (let round = 0; running; round++) {
      try {
        if (round % 5 === 4) {
          const reports = Array.from({ length: 5 }, () => reportNumbered(options.prefix, next++));
          const response = await fetch(`${baseUrl()}/v1/reports/batch`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ reports }),
            signal: AbortSignal.timeout(30_000),
          });
          count(String(response.status));
          const body = (await response.json()) as {
            results?: { status: string; reportId: string }[];
          };
          if (response.status === 200 || response.status === 207) {
            for (const result of body.results ?? []) {
              if (result.status === 'created' || result.status === 'duplicate') {
                figures.acknowledged.push(result.reportId);
              }
            }
          }
        } else if (round % 7 === 6 && id % 2 === 0) {
          const response = await fetch(`${baseUrl()}/v1/theatres`, {
            headers,
            signal: AbortSignal.timeout(30_000),
          });
          count(String(response.status));
          await response.arrayBuffer();
        } else {
          const report = reportNumbered(options.prefix, next++);
          const response = await fetch(`${baseUrl()}/v1/reports`, {
            method: 'POST',
            headers,
            body: JSON.stringify(report),
            signal: AbortSignal.timeout(30_000),
          });
          count(String(response.status));
          await response.arrayBuffer();
          if (response.status === 201 || response.status === 200) {
            figures.acknowledged.push(String(report.reportId));
          }
        }
      } catch {
        count('network');
        await new Promise((done) => setTimeout(done, 100));
      }
    }
  };
  const clients = Array.from({ length: options.clients }, (_, id) => client(id));
  return {
    figures,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      return figures;
    },
  };
}

/** Polls until `condition` holds (the tests' one polling helper, under its old name here). */
export { eventually as until } from './eventually';
