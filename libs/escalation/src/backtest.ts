import type { Alert, AlertChange } from './alert.types';
import type { EngineOptions } from './escalation-engine';
import { EscalationEngine } from './escalation-engine';
import type { EngineEvent } from './report-event';
import type { Rule } from './rule.types';

export interface BacktestOptions {
  /** Only this theatre's events are replayed (theatres never affect each other). */
  theatre?: string;
  /** Only alerts whose window [windowStart, windowEnd] meets [from, to] are returned. */
  from?: Date | string;
  to?: Date | string;
  lateness?: EngineOptions['lateness'];
}

/**
 * The alerts `rules` would have raised over `events` (in store order): each alert in its final
 * state, resolved ones included, in the order they were raised. The same engine runs it as
 * live processing does, so the result equals what live processing of the same events gave.
 * Pure: it writes nothing and reads no clock.
 */
export function backtest(
  rules: readonly Rule[],
  events: Iterable<EngineEvent>,
  options: BacktestOptions = {},
): Alert[] {
  const run = new BacktestRun(rules, options);
  for (const event of events) run.apply(event);
  return run.result();
}

/** As backtest, over events read page by page (a store's readAll). */
export async function backtestAsync(
  rules: readonly Rule[],
  events: AsyncIterable<EngineEvent> | Iterable<EngineEvent>,
  options: BacktestOptions = {},
): Promise<Alert[]> {
  const run = new BacktestRun(rules, options);
  for await (const event of events) run.apply(event);
  return run.result();
}

/** Folds changes into the latest version of each alert, as a store of alerts would. */
export function foldAlertChanges(
  alerts: Map<string, Alert>,
  changes: readonly AlertChange[],
): void {
  for (const { alert } of changes) alerts.set(alert.alertId, alert);
}

class BacktestRun {
  private readonly engine: EscalationEngine;
  private readonly alerts = new Map<string, Alert>();
  private readonly from: number;
  private readonly to: number;

  constructor(
    rules: readonly Rule[],
    private readonly options: BacktestOptions,
  ) {
    this.engine = new EscalationEngine(rules, { lateness: options.lateness });
    this.from = options.from === undefined ? -Infinity : new Date(options.from).getTime();
    this.to = options.to === undefined ? Infinity : new Date(options.to).getTime();
    if (Number.isNaN(this.from) || Number.isNaN(this.to)) {
      throw new TypeError('backtest: from and to must be dates');
    }
  }

  apply(event: EngineEvent): void {
    const theatre = this.options.theatre;
    if (theatre !== undefined && theatreOf(event) !== theatre) return;
    foldAlertChanges(this.alerts, this.engine.apply(event));
  }

  result(): Alert[] {
    return [...this.alerts.values()].filter(
      (alert) =>
        Date.parse(alert.windowEnd) >= this.from && Date.parse(alert.windowStart) <= this.to,
    );
  }
}

function theatreOf(event: EngineEvent): unknown {
  const data = event.data;
  return typeof data === 'object' && data !== null
    ? (data as { theatre?: unknown }).theatre
    : undefined;
}
