import type { Rule } from '@cm/escalation';
import { TOPICS } from '@cm/contracts';
import type { StoredEvent } from '@cm/event-store';
import { partitionFor, ReportConsumer, theatreOf } from '@cm/messaging';
import type { ConsumedBatch, KafkaRuntime } from '@cm/messaging';
import type { Pool } from 'pg';
import type { AlerterOptions } from './alerter';
import { recordEngineBatch } from './alerter';
import { AlertEngineRunner } from './engine/alert-engine-runner';

export const ALERTER_GROUP = 'alerter';

export interface KafkaAlerterOptions extends Pick<AlerterOptions, 'now' | 'log' | 'onBatch'> {
  pool: Pool;
  runtime: KafkaRuntime;
  rules: readonly Rule[];
  groupId?: string;
  snapshotEvery?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

/**
 * The alerter in distributed mode: a member of consumer group `alerter` on conflict.reports.v1.
 * A partition holds whole theatres (the key), and theatres are independent in the rule engine,
 * so each partition this member holds gets an engine of its own, in step with that partition's
 * stored progress (kafka_consumer_progress, committed with the alerts). When a partition comes
 * to this member (start, rebalance, another member killed) or a batch rolled back, the engine is
 * restored as in the embedded mode: from the partition's snapshot, then the store's events of
 * that partition's theatres up to its progress, without writing. Alert ids are deterministic,
 * so a member taking over raises nothing twice and misses nothing.
 */
export class KafkaAlerter {
  private readonly consumer: ReportConsumer;
  private readonly runners = new Map<number, AlertEngineRunner>();
  private readonly groupId: string;
  private readonly partitions: number;

  constructor(private readonly options: KafkaAlerterOptions) {
    this.groupId = options.groupId ?? ALERTER_GROUP;
    this.partitions = options.runtime.partitions(TOPICS.reports);
    this.consumer = new ReportConsumer({
      kafka: options.runtime.kafka,
      pool: options.pool,
      groupId: this.groupId,
      sessionTimeoutMs: options.sessionTimeoutMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      handle: (batch) => this.handle(batch),
      onAssignment: (partitions) => {
        // Engines of partitions another member now holds would go stale: forget them.
        for (const partition of [...this.runners.keys()]) {
          if (!partitions.includes(partition)) this.runners.delete(partition);
        }
      },
      log: options.log,
    });
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  /** The partitions of conflict.reports.v1 this member holds. */
  assignedPartitions(): readonly number[] {
    return this.consumer.assignedPartitions();
  }

  private async handle({ partition, events, progress, tx }: ConsumedBatch): Promise<void> {
    const runner = this.runnerFor(partition);
    if (!runner.isAt(progress)) {
      const { replayed, fromSnapshot } = await runner.restoreTo(progress);
      this.options.log?.(
        'info',
        `engine of partition ${partition} restored to position ${progress.position} ` +
          `(${fromSnapshot ? 'snapshot and ' : ''}${replayed} events replayed)`,
      );
    }
    await recordEngineBatch(tx, runner, events, this.options);
  }

  private runnerFor(partition: number): AlertEngineRunner {
    let runner = this.runners.get(partition);
    if (!runner) {
      runner = new AlertEngineRunner(
        this.options.pool,
        `${this.groupId}:kafka:${TOPICS.reports}:${partition}`,
        this.options.rules,
        {
          snapshotEvery: this.options.snapshotEvery ?? 50_000,
          log: this.options.log,
          parkedBy: this.groupId,
          accepts: (event: StoredEvent) =>
            partitionFor(TOPICS.reports, theatreOf(event), this.partitions) === partition,
        },
      );
      this.runners.set(partition, runner);
    }
    return runner;
  }
}
