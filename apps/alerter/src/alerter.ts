import type { Rule } from '@cm/escalation';
import {
  describeEvent,
  describeParked,
  describeSubscriptionFailure,
  loadCheckpoint,
  START,
  startSubscription,
} from '@cm/event-store';
import type { Checkpoint, StoredEvent, Subscription } from '@cm/event-store';
import type { Pool, PoolClient } from 'pg';
import { engineSteps, lockAlerts, writeLifecycleSteps } from '@cm/alerts';
import type { EngineVerdict, LifecycleStep, WrittenChange } from '@cm/alerts';
import { AlertEngineRunner } from './engine/alert-engine-runner';
import type { EngineChanges } from './engine/alert-engine-runner';

export const ALERTER_SUBSCRIPTION = 'alerter';

const DEFAULT_BATCH_SIZE = 2_000;

export interface AlerterOptions {
  pool: Pool;
  rules: readonly Rule[];
  /** The subscription's and the snapshot's name (default `alerter`). */
  name?: string;
  /**
   * Most events handled in one transaction (default 2,000). Live, a batch is what arrived since
   * the last one; catching up, it is this many, and an alert that changes many times within a
   * batch is written and journaled once (its last state), so larger batches catch up faster.
   */
  batchSize?: number;
  /** Events between engine snapshots (default 50,000: a snapshot rewrites every theatre touched). */
  snapshotEvery?: number;
  pollIntervalMs?: number;
  /** Wall clock for updatedAt; alert content takes its times from the events. */
  now?: () => Date;
  log?: (level: 'info' | 'warn' | 'error', message: string, error?: unknown) => void;
  /** Told after each committed-to-be batch (inside the transaction), for metrics. */
  onBatch?: (batch: { events: readonly StoredEvent[]; written: readonly WrittenChange[] }) => void;
}

/**
 * Events -> rule engine -> alerts. A store subscription feeds each batch to the engine and
 * writes what changed (alerts, journal, open counts, sometimes an engine snapshot) in the
 * batch's transaction, with the checkpoint. The engine's memory must match the checkpoint:
 * before each batch the stored checkpoint is compared with the engine's, and on any mismatch
 * (a batch rolled back after the engine applied it, another process took over meanwhile, a
 * rebuild reset the checkpoint) the engine is restored from the stored snapshot and the events
 * up to the checkpoint. So a restart or a retry neither repeats nor misses an alert.
 */
export class Alerter {
  private readonly name: string;
  private readonly runner: AlertEngineRunner;
  private subscription: Subscription | undefined;

  constructor(private readonly options: AlerterOptions) {
    this.name = options.name ?? ALERTER_SUBSCRIPTION;
    this.runner = new AlertEngineRunner(options.pool, this.name, options.rules, {
      snapshotEvery: options.snapshotEvery ?? 50_000,
      log: (message) => options.log?.('warn', message),
      parkedBy: this.name,
    });
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    this.subscription = await startSubscription({
      pool: this.options.pool,
      name: this.name,
      batchSize: this.options.batchSize ?? DEFAULT_BATCH_SIZE,
      pollIntervalMs: this.options.pollIntervalMs,
      handle: (events, tx) => this.handle(events, tx),
      onError: (error, context) =>
        this.options.log?.('warn', describeSubscriptionFailure(error, context), error),
      onParked: (parked) => this.options.log?.('error', describeParked(parked), parked.error),
      onRetried: ({ event, ok, error }) =>
        this.options.log?.(
          ok ? 'info' : 'warn',
          `retry of the parked event at ${describeEvent(event)} ${ok ? 'succeeded' : 'failed'}`,
          error,
        ),
    });
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
  }

  /** Resolves once the events up to `position` (default: all committed) are handled. */
  async waitUntilCaughtUp(position?: number, timeoutMs?: number): Promise<void> {
    if (!this.subscription) throw new Error('the alerter is not running');
    await this.subscription.waitUntilCaughtUp(position, timeoutMs);
  }

  /** The checkpoint this process last committed or read (START before it started). */
  checkpoint(): Checkpoint {
    return this.subscription?.checkpoint() ?? START;
  }

  private async handle(events: StoredEvent[], tx: PoolClient): Promise<void> {
    const from = await loadCheckpoint(tx, this.name);
    if (!this.runner.isAt(from)) {
      const { replayed, fromSnapshot } = await this.runner.restoreTo(from);
      this.options.log?.(
        'info',
        `engine restored to position ${from.position} (${fromSnapshot ? 'snapshot and ' : ''}${replayed} events replayed)`,
      );
    }
    await recordEngineBatch(tx, this.runner, events, this.options);
  }
}

/**
 * Moves `runner` on by `events` and writes what changed (alerts, journal, open counts, a
 * snapshot when due) through `tx`, the transaction that also records the caller's progress.
 */
export async function recordEngineBatch(
  tx: PoolClient,
  runner: AlertEngineRunner,
  events: StoredEvent[],
  options: Pick<AlerterOptions, 'now' | 'onBatch'>,
): Promise<void> {
  const verdicts = foldVerdicts(runner.apply(events));
  const before = await lockAlerts(tx, [...verdicts.keys()], (alertId) =>
    runner.writtenEvidence.get(alertId),
  );
  const now = (options.now?.() ?? new Date()).toISOString();
  const steps: LifecycleStep[] = [];
  for (const [alertId, verdict] of verdicts) {
    steps.push(...engineSteps(before.get(alertId), verdict, now));
  }
  const written = await writeLifecycleSteps(tx, steps, before);
  await runner.saveIfDue(tx);
  // Kept for the next batch; should this transaction not commit, the next batch finds the
  // engine off the stored checkpoint and restores it, which empties these.
  for (const step of steps) runner.writtenEvidence.set(step.alert.alertId, step.alert.evidence);
  options.onBatch?.({ events, written });
}

/** The engine's last word on each alert in a batch, in the order the alerts first changed. */
export function foldVerdicts(batch: readonly EngineChanges[]): Map<string, EngineVerdict> {
  const verdicts = new Map<string, EngineVerdict>();
  for (const { event, changes } of batch) {
    const at = new Date(event.recordedAt).toISOString();
    for (const change of changes) {
      const note = change.change === 'raised' ? undefined : change.note;
      const previous = verdicts.get(change.alert.alertId);
      const raised =
        previous?.raised ?? (change.change === 'raised' ? { alert: change.alert, at } : undefined);
      verdicts.set(change.alert.alertId, {
        alert: change.alert,
        at,
        note: note ?? (change.change === 'resolved' ? undefined : previous?.note),
        ...(raised ? { raised } : {}),
      });
    }
  }
  return verdicts;
}
