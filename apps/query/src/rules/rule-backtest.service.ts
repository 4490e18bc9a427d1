import { Inject, Injectable } from '@nestjs/common';
import { ACTIVE_RULES } from '@cm/alerts';
import type { ActiveRules } from '@cm/alerts';
import { backtestAsync } from '@cm/escalation';
import type { Alert } from '@cm/escalation';
import { PostgresEventStore } from '@cm/event-store';
import { PG_POOL } from '@cm/platform';
import type { Pool } from 'pg';
import type { BacktestRequest } from './backtest-request';
import { storedHistory } from './stored-history';
import { theatreHistory } from './theatre-history';

const PAGE_SIZE = 1000;

export interface BacktestResult {
  /** The alerts the rules would have raised, in their final state, in the order raised. */
  items: Alert[];
  /** The ids of the rules that ran. */
  rules: string[];
  /** The history ran through this position: the store's head when the backtest began. */
  throughPosition: number;
}

/**
 * Runs rules over the stored history with the alerter's own engine and writes nothing: no
 * alert, no checkpoint. The engine is a fresh one, so the active alerter is not disturbed.
 * Backtests of the whole store run one at a time per process, in the order asked: each holds
 * the engine's state for every theatre and every alert found (hundreds of MB for a million
 * events), and two at once would hold it twice beside the alerter. One theatre's is small and
 * runs at once.
 */
@Injectable()
export class RuleBacktestService {
  constructor(
    private readonly store: PostgresEventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ACTIVE_RULES) private readonly active: ActiveRules,
  ) {}

  /** The whole-store backtest running or queued last. */
  private queue: Promise<unknown> = Promise.resolve();

  /** `signal`: the client went away; the run stops between pages (or before it starts). */
  run(request: BacktestRequest, signal?: AbortSignal): Promise<BacktestResult> {
    if (request.theatre !== undefined) return this.runNow(request, signal);
    const result = this.queue.then(() => this.runNow(request, signal));
    // Only when it ends matters to the next: holding its answer would keep every alert alive.
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async runNow(request: BacktestRequest, signal?: AbortSignal): Promise<BacktestResult> {
    signal?.throwIfAborted();
    const rules = request.rules ?? this.active.rules;
    const throughPosition = await this.store.headPosition();
    const history = { throughPosition, pageSize: PAGE_SIZE, signal };
    const items = await backtestAsync(
      rules,
      // One theatre: only its events are read (by the theatre index), not the whole store.
      request.theatre === undefined
        ? storedHistory(this.store, history)
        : theatreHistory(this.pool, request.theatre, history),
      { theatre: request.theatre, from: request.from, to: request.to },
    );
    return { items, rules: rules.map((rule) => rule.id), throughPosition };
  }
}
