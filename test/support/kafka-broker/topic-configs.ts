import type { TopicConfigs } from './log-store';

/**
 * Topic configs as CreateTopics and DescribeConfigs see them. Honoured: `max.message.bytes`,
 * `retention.ms`, `retention.bytes`. Refused with INVALID_CONFIG, because the broker would
 * otherwise silently do something else than Kafka: `cleanup.policy` other than `delete`
 * (no compaction), `compression.type` other than `producer` (no recompression),
 * `message.timestamp.type=LogAppendTime`, and names that are no Kafka topic config (as Kafka
 * refuses them). Every other Kafka topic config is accepted, described, and otherwise ignored.
 */
const KAFKA_TOPIC_CONFIGS = new Set([
  'cleanup.policy',
  'compression.type',
  'compression.gzip.level',
  'compression.lz4.level',
  'compression.zstd.level',
  'delete.retention.ms',
  'file.delete.delay.ms',
  'flush.messages',
  'flush.ms',
  'follower.replication.throttled.replicas',
  'index.interval.bytes',
  'leader.replication.throttled.replicas',
  'local.retention.bytes',
  'local.retention.ms',
  'max.compaction.lag.ms',
  'max.message.bytes',
  'message.downconversion.enable',
  'message.format.version',
  'message.timestamp.after.max.ms',
  'message.timestamp.before.max.ms',
  'message.timestamp.difference.max.ms',
  'message.timestamp.type',
  'min.cleanable.dirty.ratio',
  'min.compaction.lag.ms',
  'min.insync.replicas',
  'preallocate',
  'remote.log.copy.disable',
  'remote.log.delete.on.disable',
  'remote.storage.enable',
  'retention.bytes',
  'retention.ms',
  'segment.bytes',
  'segment.index.bytes',
  'segment.jitter.ms',
  'segment.ms',
  'unclean.leader.election.enable',
]);

export type ParsedTopicConfigs = { configs: TopicConfigs } | { error: string };

export function parseTopicConfigs(
  entries: readonly { name: string; value: string | null }[],
): ParsedTopicConfigs {
  const configs: TopicConfigs = {};
  const other: Record<string, string> = {};
  for (const { name, value } of entries) {
    const invalid = { error: `Invalid value ${value} for configuration ${name}` };
    if (!KAFKA_TOPIC_CONFIGS.has(name)) return { error: `Unknown topic config name: ${name}` };
    if (value === null) continue; // null: the default
    switch (name) {
      case 'max.message.bytes':
        if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > 2 ** 31 - 1) return invalid;
        configs.maxMessageBytes = Number(value);
        break;
      case 'retention.ms':
      case 'retention.bytes': {
        if (!/^(-1|0|[1-9]\d{0,17})$/.test(value)) return invalid;
        configs[name === 'retention.ms' ? 'retentionMs' : 'retentionBytes'] = Number(value);
        break;
      }
      case 'cleanup.policy':
        if (value !== 'delete') {
          return {
            error: `cleanup.policy=${value}: the test broker does not compact (only delete)`,
          };
        }
        other[name] = value;
        break;
      case 'compression.type':
        if (value !== 'producer') {
          return {
            error: `compression.type=${value}: the test broker keeps batches as produced (only producer)`,
          };
        }
        other[name] = value;
        break;
      case 'message.timestamp.type':
        if (value !== 'CreateTime') {
          return { error: `message.timestamp.type=${value}: the test broker has CreateTime only` };
        }
        other[name] = value;
        break;
      default:
        other[name] = value;
    }
  }
  if (Object.keys(other).length > 0) configs.other = other;
  return { configs };
}

/** One config as DescribeConfigs answers it. */
export interface DescribedConfig {
  name: string;
  value: string;
  isDefault: boolean;
}

/**
 * The topic's configs that the broker honours (with the broker's value as default when unset)
 * and every other one it was created with.
 */
export function describeTopicConfigs(
  configs: TopicConfigs,
  brokerMaxMessageBytes: number,
): DescribedConfig[] {
  const described: DescribedConfig[] = [
    honoured('cleanup.policy', configs.other?.['cleanup.policy'], 'delete'),
    honoured('compression.type', configs.other?.['compression.type'], 'producer'),
    honoured('max.message.bytes', configs.maxMessageBytes, brokerMaxMessageBytes),
    honoured('message.timestamp.type', configs.other?.['message.timestamp.type'], 'CreateTime'),
    honoured('retention.bytes', configs.retentionBytes, -1),
    honoured('retention.ms', configs.retentionMs, -1),
  ];
  for (const [name, value] of Object.entries(configs.other ?? {})) {
    if (!described.some((config) => config.name === name)) {
      described.push({ name, value, isDefault: false });
    }
  }
  return described.sort((a, b) => a.name.localeCompare(b.name));
}

function honoured(
  name: string,
  value: string | number | undefined,
  fallback: string | number,
): DescribedConfig {
  return value === undefined
    ? { name, value: String(fallback), isDefault: true }
    : { name, value: String(value), isDefault: false };
}
