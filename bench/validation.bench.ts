import { performance } from 'node:perf_hooks';
import { canonicalJson, validateReport } from '@cm/contracts';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '../libs/contracts/src/testing';

const REPORTS = 10_000;
const ROUNDS = 5;
const NOW = new Date('2026-01-01T00:00:00Z');

/**
 * validateReport (and, separately, canonicalJson of its result) on one core over a mixed
 * array of 10,000 valid reports of the four types, as parsed JSON bodies; the median of 5
 * rounds after a warm-up round. Batch ingest aims at 20,000 reports/s including the database,
 * so validation should cost a small part of that.
 */
export async function benchValidation(): Promise<{
  reportsPerSecond: number;
  canonicalJsonPerSecond: number;
}> {
  const builders = [aDeploymentReport, aCasualtyReport, aViolationReport, aSanctionDemandReport];
  const bodies: unknown[] = Array.from({ length: REPORTS }, (_, i) =>
    JSON.parse(JSON.stringify(builders[i % builders.length]({ reportId: `bench-${i}` }))),
  );
  const validated = bodies.map((body) => {
    const result = validateReport(body, { now: NOW });
    if (!result.ok) throw new Error(`bench report invalid: ${JSON.stringify(result.errors)}`);
    return result.value;
  });
  const reportsPerSecond = rate(() => {
    for (const body of bodies) validateReport(body, { now: NOW });
  });
  const canonicalJsonPerSecond = rate(() => {
    for (const report of validated) canonicalJson(report);
  });
  return { reportsPerSecond, canonicalJsonPerSecond };
}

function rate(round: () => void): number {
  round(); // warm-up: let the JIT settle
  const rates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    round();
    rates.push(REPORTS / ((performance.now() - started) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
}

if (require.main === module) {
  void benchValidation().then((result) =>
    console.log(
      `validateReport: ${Math.round(result.reportsPerSecond)} reports/s; ` +
        `canonicalJson: ${Math.round(result.canonicalJsonPerSecond)} reports/s`,
    ),
  );
}
