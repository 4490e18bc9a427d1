import { partitionKey, type LogStore } from '../log-store';
import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import { readTopics, type ApiHandler } from './api';

/**
 * Fetch v4-11 (record batches, magic 2), with long polling: the answer waits up to max_wait_ms
 * until min_bytes are there, and a produce to a fetched partition wakes it. Isolation level is
 * read but ignored: there are no transactions, so everything stored is committed. From v7 a
 * client may ask for a fetch session (KIP-227); the broker declines, as Kafka may, by answering
 * session id 0, so every fetch is a full one (kafkajs and librdkafka never ask). v11's rack id
 * is read and ignored: the one node is the preferred read replica (-1: none other).
 * Request: replica_id max_wait_ms min_bytes max_bytes isolation_level session_id(v7+)
 *   session_epoch(v7+) [topics: topic [partitions: partition current_leader_epoch(v9+)
 *   fetch_offset log_start_offset(v5+) partition_max_bytes]] [forgotten_topics(v7+)]
 *   rack_id(v11+).
 * Response: throttle_time_ms error_code(v7+) session_id(v7+) [topics: topic [partitions:
 *   partition_index error_code high_watermark last_stable_offset log_start_offset(v5+)
 *   [aborted_transactions] preferred_read_replica(v11+) records]].
 */
interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  topics: {
    name: string;
    partitions: { index: number; fetchOffset: number; maxBytes: number }[];
  }[];
}

interface PartitionData {
  index: number;
  errorCode: ErrorCode;
  highWatermark: number;
  logStartOffset: number;
  batches: Buffer[];
}

interface FetchResult {
  topics: { name: string; partitions: PartitionData[] }[];
  bytes: number;
  failed: boolean;
}

export function decodeFetchRequest(body: Reader, version: number): FetchRequest {
  body.int32(); // replica_id: always a consumer here
  const maxWaitMs = body.int32();
  const minBytes = body.int32();
  const maxBytes = body.int32();
  body.int8(); // isolation_level
  if (version >= 7) {
    body.int32(); // session_id: no sessions are kept (answered 0)
    body.int32(); // session_epoch
  }
  const topics = readTopics(body, (p) => {
    const index = p.int32();
    if (version >= 9) p.int32(); // current_leader_epoch: one node, epoch 0, never fenced
    const fetchOffset = p.int64();
    if (version >= 5) p.int64(); // log_start_offset: only followers send one
    return { index, fetchOffset, maxBytes: p.int32() };
  });
  // forgotten_topics_data: only incremental session fetches use it.
  if (version >= 7)
    body.array((t) => ({ name: t.string(), partitions: t.array((p) => p.int32()) }));
  if (version >= 11) body.string(); // rack_id: one node, so no nearer replica
  return { maxWaitMs, minBytes, maxBytes, topics };
}

export function encodeFetchResponse(result: FetchResult, version: number): Buffer {
  const writer = new Writer().int32(0);
  if (version >= 7) writer.int16(ErrorCode.NONE).int32(0); // error_code, session_id: none
  return writer
    .array(result.topics, (w, topic) =>
      w.string(topic.name).array(topic.partitions, (p, partition) => {
        p.int32(partition.index).int16(partition.errorCode);
        p.int64(partition.highWatermark).int64(partition.highWatermark);
        if (version >= 5) p.int64(partition.logStartOffset);
        p.array([], () => undefined);
        if (version >= 11) p.int32(-1); // preferred_read_replica: the leader
        p.bytesOf(partition.batches);
      }),
    )
    .toBuffer();
}

/** Reads what the log holds now, within the request's byte limits (at least one batch). */
function readLog(log: LogStore, request: FetchRequest): FetchResult {
  let bytes = 0;
  let failed = false;
  const topics = request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition): PartitionData => {
      const stored = log.partition(topic.name, partition.index);
      const data = { index: partition.index, highWatermark: -1, logStartOffset: -1, batches: [] };
      if (!stored) {
        failed = true;
        return { ...data, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      }
      const position = {
        highWatermark: stored.highWatermark,
        logStartOffset: stored.logStartOffset,
      };
      if (
        partition.fetchOffset < stored.logStartOffset ||
        partition.fetchOffset > stored.highWatermark
      ) {
        failed = true;
        return { ...data, ...position, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
      }
      const limit = Math.min(partition.maxBytes, request.maxBytes - bytes);
      const batches = stored.read(partition.fetchOffset, limit, bytes === 0);
      bytes += batches.reduce((sum, batch) => sum + batch.length, 0);
      return { ...data, ...position, errorCode: ErrorCode.NONE, batches };
    }),
  }));
  return { topics, bytes, failed };
}

export const fetchApi: ApiHandler = {
  apiKey: ApiKey.Fetch,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  handle: async ({ version, body, broker, signal }) => {
    const request = decodeFetchRequest(body, version);
    const keys = new Set(
      request.topics.flatMap((t) => t.partitions.map((p) => partitionKey(t.name, p.index))),
    );
    const deadline = Date.now() + request.maxWaitMs;
    for (;;) {
      const result = readLog(broker.log, request);
      const waitMs = deadline - Date.now();
      if (result.bytes >= request.minBytes || result.failed || waitMs <= 0 || signal.aborted) {
        return encodeFetchResponse(result, version);
      }
      await broker.log.waitForAppend(keys, waitMs, signal);
    }
  },
};
