import type { Kafka } from 'kafkajs';
import { TOPIC_DEFINITIONS } from '../../../infra/kafka/topics';
import type { TopicDefinition } from '../../../infra/kafka/topics';

export { TOPIC_DEFINITIONS };
export type { TopicDefinition };

/**
 * Creates the topics that do not exist yet (replication: the broker's default) and answers
 * each topic's partition count as the cluster has it, which may differ from the definition
 * when an operator changed it.
 */
export async function ensureTopics(
  kafka: Kafka,
  definitions: readonly TopicDefinition[] = TOPIC_DEFINITIONS,
): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = definitions.filter((definition) => !existing.has(definition.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((definition) => ({
            topic: definition.topic,
            numPartitions: definition.numPartitions,
            replicationFactor: -1,
            configEntries: definition.configEntries,
          })),
        });
      } catch (error) {
        // Another process created them between our list and our create: fine.
        if (!isTopicExists(error)) throw error;
      }
    }
    const metadata = await admin.fetchTopicMetadata({
      topics: definitions.map((definition) => definition.topic),
    });
    return new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}

function isTopicExists(error: unknown): boolean {
  const text = String((error as { type?: string; message?: string })?.type ?? error);
  const nested = (error as { errors?: unknown[] })?.errors ?? [];
  return (
    text.includes('TOPIC_ALREADY_EXISTS') ||
    nested.some((inner) =>
      String((inner as { type?: string })?.type).includes('TOPIC_ALREADY_EXISTS'),
    )
  );
}
