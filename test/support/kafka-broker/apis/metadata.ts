import { LogStore } from '../log-store';
import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler, BrokerState } from './api';

/**
 * Metadata v0-6 (v6 as v5).
 * Request: [topics] (v0: empty = all; v1+: null = all) allow_auto_topic_creation(v4+).
 * Response: throttle_time_ms(v3+) [brokers: node_id host port rack(v1+)] cluster_id(v2+)
 *   controller_id(v1+) [topics: error_code name is_internal(v1+) [partitions: error_code
 *   partition_index leader_id [replica_nodes] [isr_nodes] [offline_replicas](v5+)]]
 */
interface MetadataRequest {
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

interface TopicMetadata {
  errorCode: ErrorCode;
  name: string;
  partitions: number;
}

export function decodeMetadataRequest(body: Reader, version: number): MetadataRequest {
  const topics = body.nullableArray((r) => r.string());
  return {
    topics: version === 0 && topics?.length === 0 ? null : topics,
    allowAutoTopicCreation: version >= 4 ? body.boolean() : true,
  };
}

export function encodeMetadataResponse(
  broker: BrokerState,
  topics: readonly TopicMetadata[],
  version: number,
): Buffer {
  const writer = new Writer();
  if (version >= 3) writer.int32(0);
  writer.array([broker.nodeId], (w, nodeId) => {
    w.int32(nodeId).string(broker.host).int32(broker.port);
    if (version >= 1) w.nullableString(null);
  });
  if (version >= 2) writer.nullableString(broker.clusterId);
  if (version >= 1) writer.int32(broker.nodeId);
  writer.array(topics, (w, topic) => {
    w.int16(topic.errorCode).string(topic.name);
    if (version >= 1) w.boolean(false);
    const partitions = Array.from({ length: topic.partitions }, (_, i) => i);
    w.array(partitions, (p, index) => {
      p.int16(ErrorCode.NONE).int32(index).int32(broker.nodeId);
      p.int32Array([broker.nodeId]).int32Array([broker.nodeId]);
      if (version >= 5) p.int32Array([]);
    });
  });
  return writer.toBuffer();
}

export const metadataApi: ApiHandler = {
  apiKey: ApiKey.Metadata,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 6,
  handle: ({ version, body, broker }) => {
    const request = decodeMetadataRequest(body, version);
    const names = request.topics ?? broker.log.topicNames();
    const topics = names.map((name): TopicMetadata => {
      let topic = broker.log.topic(name);
      if (!topic && !LogStore.isValidTopicName(name)) {
        return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: 0 };
      }
      if (!topic && broker.autoCreateTopics && request.allowAutoTopicCreation) {
        topic = broker.log.createTopic(name, broker.defaultPartitions);
      }
      return topic
        ? { errorCode: ErrorCode.NONE, name, partitions: topic.partitions.length }
        : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: 0 };
    });
    return encodeMetadataResponse(broker, topics, version);
  },
};
