/**
 * The Kafka topics of docs/API.md as the apps create them at start-up (admin client,
 * `ensureTopics` of libs/messaging). An existing topic is left as it is: more partitions or
 * other settings are an operator's change (kafka-topics.sh / kafka-configs.sh), never an app's.
 */
export interface TopicDefinition {
  topic: string;
  /** Per-theatre order needs one partition per key, not one per theatre: keys share partitions. */
  numPartitions: number;
  /** Topic configs; -1 replication means the broker's default. */
  configEntries: { name: string; value: string }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPIC_DEFINITIONS: readonly TopicDefinition[] = [
  {
    // A mirror of the event store. Kept as long as the store keeps events (forever), so that a
    // consumer group that was stopped for a while, or a new one, can still read from the start.
    // Keyed by theatre, so compaction would keep one event per theatre: delete, never compact.
    topic: 'conflict.reports.v1',
    numPartitions: 12,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: '-1' },
    ],
  },
  {
    // Alert changes for dashboards; the current state is always GET /v1/alerts.
    topic: 'conflict.alerts.v1',
    numPartitions: 6,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(30 * DAY_MS) },
    ],
  },
  {
    // Messages no consumer could handle; each is also in the event store, so a rebuild or a
    // fix-and-replay recovers it. Long enough for someone to look.
    topic: 'conflict.reports.dlq.v1',
    numPartitions: 1,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(30 * DAY_MS) },
    ],
  },
];
