import type { AlertChange, Rule } from '@cm/escalation';
import { TOPICS } from '@cm/contracts';
import { StoreEventSource } from '@cm/event-store';
import type { EventBatch, EventSource, StoredEvent } from '@cm/event-store';
import type { Log } from '@cm/platform';
import type { Pool, PoolClient } from 'pg';
import { engineSteps, lockAlerts, writeLifecycleSteps } from '@cm/alerts';
import type { EngineVerdict, LifecycleStep, StoredAlert, WrittenChange } from '@cm/alerts';
import { AlertEngineRunner } from './engine/alert-engine-runner';

export const ALERTER_SUBSCRIPTION = 'alerter';
/** The consumer group of the distributed mode: the same name as the subscription. */
export const ALERTER_GROUP = ALERTER_SUBSCRIPTION;

/**
 * Most events the alerter handles in one transaction. Live, a batch is what arrived since the
 * last one, so this only matters when catching up: an alert that changes many times within a
 * batch is written and journaled once (its last state). 500 (the subscriptions' default) gave
 * 1.22 journal entries per event on the bench's 1,000,000-event history, 5,000 gives 0.31
 * (docs/BENCHMARKS.md, notes on the alerter's catch-up).
 */
export const ALERTER_BATCH_SIZE = 5_000;

/**
 * Events between two snapshots of the engine. A snapshot rewrites every theatre touched since
 * the last (on the bench's history all 200, 51 MB of state after a million events), and a
 * restart replays the events after the last one without writing (the rule engine alone, about
 * 13,000 events/s on a 2-core machine: 15 s at most). Every 50,000 events, the snapshots were
 * 12% of a catch-up (docs/BENCHMARKS.md, notes on the alerter's catch-up).
 */
export const SNAPSHOT_EVERY = 200_000;

export interface AlerterOptions {
  pool: Pool;
  rules: readonly Rule[];
  /**
   * Where the events come from (the app's provider chooses the mode). Default: the store
   * subscription `name`, `batchSize` and `pollIntervalMs` describe.
   */
  source?: EventSource;
  /** The default source's subscription and snapshot name (default `alerter`). */
  name?: string;
  /**
   * Most events handled in one transaction (default ALERTER_BATCH_SIZE).
   */
  batchSize?: number;
  pollIntervalMs?: number;
  /** Events between engine snapshots (default SNAPSHOT_EVERY). */
  snapshotEvery?: number;
  /** Wall clock for updatedAt; alert content takes its times from the events. */
  now?: () => Date;
  log?: Log;
  /** Told after each committed-to-be batch (inside the transaction), for metrics. */
  onBatch?: (batch: { events: readonly StoredEvent[]; written: readonly WrittenChange[] }) => void;
}

/**
 * Events -> rule engine -> alerts. An event source feeds each batch to an engine and the
 * alerter writes what changed (alerts, journal, open counts, sometimes an engine snapshot) in
 * the batch's transaction, with the source's progress. The engine's memory must match that
 * progress: before each batch the batch's stored progress is compared with the engine's, and
 * on any mismatch (a batch rolled back after the engine applied it, another process took over
 * meanwhile, a rebuild reset the checkpoint) the engine is restored from the stored snapshot
 * and the events up to the progress. So a restart or a retry neither repeats nor misses an
 * alert.
 *
 * A store subscription feeds one engine. A Kafka consumer group feeds each partition this
 * member holds: a partition holds whole theatres (the key), and theatres are independent in
 * the rule engine, so each gets an engine of its own, restored from that partition's snapshot
 * and the store's events of its theatres. When a partition goes to another member its engine
 * is dropped. Alert ids are deterministic, so a member taking over raises nothing twice.
 */
export class Alerter {
  private readonly source: EventSource;
  /** One engine per part of the stream: null (the whole store) or a Kafka partition. */
  private readonly runners = new Map<number | null, AlertEngineRunner>();

  constructor(private readonly options: AlerterOptions) {
    this.source =
      options.source ??
      new StoreEventSource({
        pool: options.pool,
        name: options.name ?? ALERTER_SUBSCRIPTION,
        batchSize: options.batchSize ?? ALERTER_BATCH_SIZE,
        pollIntervalMs: options.pollIntervalMs,
        log: options.log,
      });
  }

  async start(): Promise<void> {
    await this.source.start({
      handle: (batch) => this.handle(batch),
      onAssigned: (partitions) => {
        // Engines of partitions another member now holds would go stale: forget them.
        for (const partition of [...this.runners.keys()]) {
          if (partition !== null && !partitions.includes(partition)) this.runners.delete(partition);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.source.stop();
  }

  /** Resolves once the events up to `position` (default: all committed) are handled. */
  async waitUntilCaughtUp(position?: number, timeoutMs?: number): Promise<void> {
    await this.source.waitUntilCaughtUp(position, timeoutMs);
  }

  private async handle({ partition, events, progress, tx }: EventBatch): Promise<void> {
    const runner = this.runnerFor(partition);
    if (!runner.isAt(progress)) {
      const { replayed, fromSnapshot } = await runner.restoreTo(progress);
      this.options.log?.(
        'info',
        `${partition === null ? 'engine' : `engine of partition ${partition}`} restored to ` +
          `position ${progress.position} (${fromSnapshot ? 'snapshot and ' : ''}${replayed} events replayed)`,
      );
    }
    await recordEngineBatch(tx, runner, events, this.options);
  }

  private runnerFor(partition: number | null): AlertEngineRunner {
    let runner = this.runners.get(partition);
    if (!runner) {
      const name = this.source.name;
      runner = new AlertEngineRunner(
        this.options.pool,
        partition === null ? name : `${name}:kafka:${TOPICS.reports}:${partition}`,
        this.options.rules,
        {
          snapshotEvery: this.options.snapshotEvery ?? SNAPSHOT_EVERY,
          log: this.options.log,
          parkedBy: name,
          ...(partition === null
            ? {}
            : { accepts: (event: StoredEvent) => this.source.partitionOf(event) === partition }),
        },
      );
      this.runners.set(partition, runner);
    }
    return runner;
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
  const batch = new BatchVerdicts();
  runner.apply(events, (event, changes) => batch.add(event, changes));
  const { verdicts, evidenceBefore } = batch;
  const before = await lockAlerts(tx, [...verdicts.keys()], (alertId) =>
    runner.written.has(alertId) ? evidenceBefore.get(alertId) : undefined,
  );
  const now = (options.now?.() ?? new Date()).toISOString();
  const steps: LifecycleStep[] = [];
  for (const [alertId, verdict] of verdicts) {
    steps.push(...engineSteps(before.get(alertId), verdict, now));
  }
  const written = await writeLifecycleSteps(tx, steps, before);
  await runner.saveIfDue(tx);
  // Kept for the next batch; should this transaction not commit, the next batch finds the
  // engine off the stored checkpoint and restores it, which empties these. The engine lets a
  // resolved alert go: it will not be changed again.
  for (const step of steps) {
    if (step.alert.engineStatus === 'resolved') runner.written.delete(step.alert.alertId);
    else runner.written.add(step.alert.alertId);
  }
  options.onBatch?.({ events, written });
}

/**
 * The engine's changes of one batch folded as they come (so an alert's versions superseded
 * within the batch are garbage at once, not held to the batch's end): the last word on each
 * alert, in the order the alerts first changed, and each alert's evidence before its first
 * change, as the engine had it (updated and resolved alerts; a raised one has none).
 */
export class BatchVerdicts {
  readonly verdicts = new Map<string, EngineVerdict>();
  readonly evidenceBefore = new Map<string, StoredAlert['evidence'] | undefined>();

  add(event: Pick<StoredEvent, 'recordedAt'>, changes: readonly AlertChange[]): void {
    const at = new Date(event.recordedAt).toISOString();
    for (const change of changes) {
      const { alertId } = change.alert;
      const note = change.change === 'raised' ? undefined : change.note;
      const previous = this.verdicts.get(alertId);
      if (!previous) {
        this.evidenceBefore.set(
          alertId,
          change.change === 'raised' ? undefined : change.previous?.evidence,
        );
      }
      const raised =
        previous?.raised ?? (change.change === 'raised' ? { alert: change.alert, at } : undefined);
      this.verdicts.set(alertId, {
        alert: change.alert,
        at,
        note: note ?? (change.change === 'resolved' ? undefined : previous?.note),
        ...(raised ? { raised } : {}),
      });
    }
  }
}
