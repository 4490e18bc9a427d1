import type { Rule } from '@cm/escalation';
import { TOPICS } from '@cm/contracts';
import { StoreEventSource } from '@cm/event-store';
import type { EventBatch, EventSource, StoredEvent } from '@cm/event-store';
import type { Log } from '@cm/platform';
import type { Pool, PoolClient } from 'pg';
import { engineSteps, lockAlerts, writeLifecycleSteps } from '@cm/alerts';
import type { EngineVerdict, LifecycleStep, WrittenChange } from '@cm/alerts';
import { AlertEngineRunner } from './engine/alert-engine-runner';
import type { EngineChanges } from './engine/alert-engine-runner';

export const ALERTER_SUBSCRIPTION = 'alerter';
/** The consumer group of the distributed mode: the same name as the subscription. */
export const ALERTER_GROUP = ALERTER_SUBSCRIPTION;

const DEFAULT_BATCH_SIZE = 2_000;

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
   * Most events handled in one transaction (default 2,000). Live, a batch is what arrived since
   * the last one; catching up, it is this many, and an alert that changes many times within a
   * batch is written and journaled once (its last state), so larger batches catch up faster.
   */
  batchSize?: number;
  pollIntervalMs?: number;
  /** Events between engine snapshots (default 50,000: a snapshot rewrites every theatre touched). */
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
        batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
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
          snapshotEvery: this.options.snapshotEvery ?? 50_000,
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
