/**
 * Everything the Kafka test broker keeps between connections: topics and their partition logs,
 * producer ids, the group coordinator, and a wake-up signal for long-polling fetches. It survives
 * goAway()/comeBack(). TEST HARNESS ONLY — see docs/KAFKA-TEST-BROKER.md.
 */
import { GroupCoordinator } from './group-coordinator';
import { PartitionLog } from './partition-log';

export const NODE_ID = 0;
export const CLUSTER_ID = 'kafka-test-broker';

export interface BrokerOptions {
  autoCreateTopics: boolean;
  defaultPartitions: number;
}

export class BrokerState {
  readonly host = '127.0.0.1';
  port = 0;
  readonly topics = new Map<string, PartitionLog[]>();
  readonly groups = new GroupCoordinator();
  private nextProducerId = 1000n;
  /** Test hook: this many Produce requests are appended, then their connection is dropped. */
  dropProduceResponses = 0;
  private waiters = new Set<() => void>();

  constructor(readonly options: BrokerOptions) {}

  /** Creates the topic; false when it already exists. */
  createTopic(name: string, partitions: number): boolean {
    if (this.topics.has(name)) return false;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new Error(`createTopic(${name}): partitions must be a positive integer`);
    }
    this.topics.set(
      name,
      Array.from({ length: partitions }, () => new PartitionLog()),
    );
    return true;
  }

  /** The topic, auto-created when the broker is configured so and `autoCreate` is allowed. */
  topic(name: string, autoCreate: boolean): PartitionLog[] | undefined {
    const existing = this.topics.get(name);
    if (existing || !autoCreate || !this.options.autoCreateTopics || !isValidTopicName(name)) {
      return existing;
    }
    this.createTopic(name, this.options.defaultPartitions);
    return this.topics.get(name);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.[partition];
  }

  allocateProducerId(): bigint {
    return this.nextProducerId++;
  }

  /** How many long-polling fetches are waiting for data. */
  get waitingFetches(): number {
    return this.waiters.size;
  }

  /** Wakes every waiting long poll (called after each append). */
  notifyAppended(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next append or after `ms`, whichever comes first. */
  waitForAppend(ms: number, closed: Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      void closed.then(done);
    });
  }
}

function isValidTopicName(name: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== '.' && name !== '..';
}
