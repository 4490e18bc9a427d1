import {
  DEFAULT_KAFKA_COMPRESSION,
  DEFAULT_KAFKA_MAX_MESSAGE_BYTES,
  DEFAULT_KAFKA_STUCK_AFTER_MS,
} from '@cm/platform';
import type { KafkaCompression } from '@cm/platform';
import type { Admin, Kafka } from 'kafkajs';
import { ConsumerWatch, kafkaLags } from './consumer-health';
import { createKafka } from './kafka-connection';
import type { MessagingLog } from './kafka-connection';
import { ensureTopics, TOPIC_DEFINITIONS } from './topics';

/** How the relays produce: the codec and the cap on each partition's record batch. */
export interface PublishingOptions {
  compression: KafkaCompression;
  maxMessageBytes: number;
}

/**
 * A process's Kafka in distributed mode: the client, the topics (created at start-up when
 * missing) with their partition counts, and a connected admin client for readiness checks.
 */
export class KafkaRuntime {
  /** This process's consumer group members, for readiness and lag gauges (they watch in). */
  readonly consumers: ConsumerWatch;

  private constructor(
    readonly kafka: Kafka,
    private readonly topicPartitions: ReadonlyMap<string, number>,
    private readonly admin: Admin,
    /** What the relays produce with: KAFKA_COMPRESSION and KAFKA_MAX_MESSAGE_BYTES. */
    readonly publishing: PublishingOptions,
    stuckAfterMs: number,
  ) {
    this.consumers = new ConsumerWatch(stuckAfterMs);
  }

  static async open(options: {
    brokers: readonly string[];
    clientId: string;
    log?: MessagingLog;
    compression?: KafkaCompression;
    maxMessageBytes?: number;
    /** KAFKA_STUCK_AFTER_MS: a partition behind and not moving this long is not ready. */
    stuckAfterMs?: number;
  }): Promise<KafkaRuntime> {
    const kafka = createKafka(options);
    const partitions = await ensureTopics(kafka, TOPIC_DEFINITIONS);
    const admin = kafka.admin();
    await admin.connect();
    return new KafkaRuntime(
      kafka,
      partitions,
      admin,
      {
        compression: options.compression ?? DEFAULT_KAFKA_COMPRESSION,
        maxMessageBytes: options.maxMessageBytes ?? DEFAULT_KAFKA_MAX_MESSAGE_BYTES,
      },
      options.stuckAfterMs ?? DEFAULT_KAFKA_STUCK_AFTER_MS,
    );
  }

  /** The partition count of `topic` as the cluster had it at start-up. */
  partitions(topic: string): number {
    const count = this.topicPartitions.get(topic);
    if (!count) throw new Error(`topic ${topic} has no partitions (was it created?)`);
    return count;
  }

  /** Readiness: a broker answers a metadata request within `timeoutMs`. */
  async ping(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.admin.describeCluster(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no Kafka broker answered in ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kafka's own lag of `group` per partition of `topic` (high watermark less committed). */
  kafkaLags(group: string, topic: string): Promise<Map<number, number>> {
    return kafkaLags(this.admin, group, topic);
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}
