import { LogStore } from '../log-store';
import { parseTopicConfigs } from '../topic-configs';
import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * CreateTopics v0-3 (v3 as v2). Configs as topic-configs.ts says: `max.message.bytes`,
 * `retention.ms` and `retention.bytes` honoured, compaction, recompression, LogAppendTime and
 * unknown names refused with INVALID_CONFIG, the other Kafka topic configs accepted and
 * ignored. -1 partitions means the broker's default.
 * Request: [topics: name num_partitions replication_factor [assignments: partition_index
 *   [broker_ids]] [configs: name value]] timeout_ms validate_only(v1+).
 * Response: throttle_time_ms(v2+) [topics: name error_code error_message(v1+)].
 */
interface TopicToCreate {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

interface CreateTopicsRequest {
  topics: TopicToCreate[];
  validateOnly: boolean;
}

interface TopicResult {
  name: string;
  errorCode: ErrorCode;
  errorMessage: string | null;
}

export function decodeCreateTopicsRequest(body: Reader, version: number): CreateTopicsRequest {
  const topics = body.array((t) => {
    return {
      name: t.string(),
      numPartitions: t.int32(),
      replicationFactor: t.int16(),
      assignments: t.array((a) => ({
        partitionIndex: a.int32(),
        brokerIds: a.array((b) => b.int32()),
      })),
      configs: t.array((c) => ({ name: c.string(), value: c.nullableString() })),
    };
  });
  body.int32(); // timeout_ms: creation is immediate
  return { topics, validateOnly: version >= 1 ? body.boolean() : false };
}

export function encodeCreateTopicsResponse(
  topics: readonly TopicResult[],
  version: number,
): Buffer {
  const writer = new Writer();
  if (version >= 2) writer.int32(0);
  return writer
    .array(topics, (w, topic) => {
      w.string(topic.name).int16(topic.errorCode);
      if (version >= 1) w.nullableString(topic.errorMessage);
    })
    .toBuffer();
}

export const createTopicsApi: ApiHandler = {
  apiKey: ApiKey.CreateTopics,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 3,
  handle: ({ version, body, broker }) => {
    const request = decodeCreateTopicsRequest(body, version);
    const results = request.topics.map((topic): TopicResult => {
      const fail = (errorCode: ErrorCode, errorMessage: string): TopicResult => ({
        name: topic.name,
        errorCode,
        errorMessage,
      });
      const partitions =
        topic.assignments.length > 0
          ? topic.assignments.length
          : topic.numPartitions === -1
            ? broker.defaultPartitions
            : topic.numPartitions;
      if (!LogStore.isValidTopicName(topic.name)) {
        return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Invalid topic name ${topic.name}`);
      }
      if (broker.log.topic(topic.name)) {
        return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${topic.name}' already exists.`);
      }
      if (partitions < 1) {
        return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be at least 1.');
      }
      if (topic.replicationFactor !== -1 && topic.replicationFactor !== 1) {
        return fail(
          ErrorCode.INVALID_REPLICATION_FACTOR,
          `Replication factor ${topic.replicationFactor} is larger than the 1 broker available.`,
        );
      }
      if (topic.assignments.some((a) => a.brokerIds.some((id) => id !== broker.nodeId))) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Only one broker is available.');
      }
      const parsed = parseTopicConfigs(topic.configs);
      if ('error' in parsed) return fail(ErrorCode.INVALID_CONFIG, parsed.error);
      if (!request.validateOnly) broker.log.createTopic(topic.name, partitions, parsed.configs);
      return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null };
    });
    return encodeCreateTopicsResponse(results, version);
  },
};
