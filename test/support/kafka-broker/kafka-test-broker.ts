/**
 * A Kafka wire-protocol TEST HARNESS, NOT A PRODUCT.
 *
 * One node, in memory, on a loopback port, speaking enough of the Kafka protocol for kafkajs
 * 2.2.4 (producer, idempotent producer, consumer groups, admin topics) and for kcat/librdkafka
 * consuming a partition. It exists because no Kafka broker can be installed on the CI machines.
 * Batches are stored and served as produced, compressed or not (any of Kafka's codecs), and
 * refused above message.max.bytes; retention.ms and retention.bytes move a log start offset.
 * No replication, transactions, compaction, quotas, SASL or TLS: see
 * docs/KAFKA-TEST-BROKER.md for what it implements and how to use it.
 *
 * Layers: connection.ts frames requests; apis/ holds one module per API (request decoder,
 * response encoder, handler); log-store.ts keeps the partitions' batches and the idempotent
 * producers' sequences; group-coordinator.ts runs group membership and committed offsets.
 */
import { createServer, type Server } from 'node:net';
import { apis, encodeApiVersionsResponse, type BrokerState } from './apis';
import { BrokerConnection, type IncomingRequest } from './connection';
import { GroupCoordinator } from './group-coordinator';
import {
  LogStore,
  type AppendEvent,
  type BatchInfo,
  type StoredRecord,
  type TopicConfigs,
} from './log-store';
import { ApiKey } from './protocol/api-keys';
import { ErrorCode } from './protocol/error-codes';
import { ProtocolError } from './protocol/reader';

export type { AppendEvent, BatchInfo, StoredRecord, TopicConfigs } from './log-store';
export type { RecordHeader } from './protocol/record-batch';

export interface KafkaTestBrokerOptions {
  /** 0 (the default) picks a free port; comeBack() reuses whichever port was bound. */
  port?: number;
  /** Loopback by default; also the host advertised in Metadata and FindCoordinator. */
  host?: string;
  /** Create unknown topics on a Metadata request, as Kafka's default config does (true). */
  autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics with -1 partitions (1). */
  defaultPartitions?: number;
  /**
   * How often retention.ms and retention.bytes are applied besides after each append (1000 ms;
   * Kafka's log.retention.check.interval.ms is 5 minutes). 0 turns the timer off:
   * enforceRetention() then applies them when a test says.
   */
  retentionCheckIntervalMs?: number;
}

const NODE_ID = 1;
const FIRST_PRODUCER_ID = 1000;

export class KafkaTestBroker {
  /** Requests the broker could not serve (bad frames, unimplemented versions): tests assert none. */
  readonly errors: Error[] = [];
  /**
   * Record batches larger than this are refused with MESSAGE_TOO_LARGE, as Kafka's
   * `message.max.bytes` (default 1048588, as Kafka's); tests may lower it at any time.
   */
  maxMessageBytes = 1_048_588;
  /** Every batch refused with MESSAGE_TOO_LARGE: where, its size and the limit it broke. */
  readonly tooLarge: { topic: string; partition: number; bytes: number; limit: number }[] = [];
  private readonly log = new LogStore();
  private readonly groups = new GroupCoordinator();
  private readonly connections = new Set<BrokerConnection>();
  private readonly host: string;
  private port: number;
  private server: Server | null = null;
  private readonly autoCreateTopics: boolean;
  private readonly defaultPartitions: number;
  private producerIds = FIRST_PRODUCER_ID;
  private readonly retentionTimer: NodeJS.Timeout | undefined;
  /** Per API name, the request versions served: a spec shows which encodings really ran. */
  readonly servedVersions = new Map<string, Set<number>>();

  private constructor(options: KafkaTestBrokerOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    const defaultPartitions = options.defaultPartitions ?? 1;
    if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1) {
      throw new Error(`defaultPartitions must be a positive integer, not ${defaultPartitions}`);
    }
    this.autoCreateTopics = options.autoCreateTopics ?? true;
    this.defaultPartitions = defaultPartitions;
    const retentionCheckIntervalMs = options.retentionCheckIntervalMs ?? 1000;
    if (retentionCheckIntervalMs > 0) {
      this.retentionTimer = setInterval(
        () => this.log.enforceRetention(),
        retentionCheckIntervalMs,
      );
      this.retentionTimer.unref();
    }
  }

  static async start(options: KafkaTestBrokerOptions = {}): Promise<KafkaTestBroker> {
    const broker = new KafkaTestBroker(options);
    await broker.listen();
    return broker;
  }

  /** The bootstrap list for a client, e.g. ['127.0.0.1:41234']. */
  get brokers(): string[] {
    return [`${this.host}:${this.port}`];
  }

  /**
   * `configs` are the topic's `max.message.bytes` (the broker's when unset), `retention.ms` and
   * `retention.bytes` (-1, keep everything, when unset).
   */
  createTopic(name: string, partitions = this.defaultPartitions, configs: TopicConfigs = {}): void {
    this.log.createTopic(name, partitions, configs);
  }

  /** Changes a topic's configs (as kafka-configs.sh --alter would); retention applies at once. */
  setTopicConfigs(name: string, configs: TopicConfigs): void {
    const topic = this.log.topic(name);
    if (!topic) throw new Error(`no topic ${name} on the test broker`);
    topic.configs = { ...topic.configs, ...configs };
    this.log.enforceRetention();
  }

  /** Applies every topic's retention.ms and retention.bytes now (as of `now`, for tests). */
  enforceRetention(now = Date.now()): void {
    this.log.enforceRetention(now);
  }

  /**
   * Deletes a partition's records before `offset`, as Kafka's DeleteRecords (kafkajs
   * `admin.deleteTopicRecords`) does: the log start offset moves there, a fetch below it gets
   * OFFSET_OUT_OF_RANGE and ListOffsets earliest answers it. Public for tests that need a log
   * whose start moved (retention deleting what a group had not read). Throws when the offset
   * is above the high watermark or the partition does not exist.
   */
  deleteRecordsBefore(topic: string, partition: number, offset: number): void {
    const result = this.log.deleteRecordsBefore(topic, partition, offset);
    if (result.errorCode !== ErrorCode.NONE) {
      throw new Error(`cannot delete ${topic}/${partition} before ${offset} (${result.errorCode})`);
    }
  }

  /** The first offset a partition still holds (0 until retention or deletion moved it). */
  logStartOffset(topic: string, partition: number): number {
    const log = this.log.partition(topic, partition);
    if (!log) throw new Error(`no partition ${topic}/${partition} on the test broker`);
    return log.logStartOffset;
  }

  /** The offset the next record of a partition gets (Kafka's high watermark, one node). */
  highWatermark(topic: string, partition: number): number {
    const log = this.log.partition(topic, partition);
    if (!log) throw new Error(`no partition ${topic}/${partition} on the test broker`);
    return log.highWatermark;
  }

  /** The topics the broker holds, by name: for assertions. */
  topics(): string[] {
    return this.log.topicNames();
  }

  /** What the log holds, in partition then offset order: for assertions. */
  records(topic: string, partition?: number): StoredRecord[] {
    const stored = this.log.topic(topic);
    if (!stored) throw new Error(`no topic ${topic} on the test broker`);
    const partitions = partition === undefined ? stored.partitions : [stored.partitions[partition]];
    if (partitions.some((p) => p === undefined)) {
      throw new Error(`topic ${topic} has no partition ${partition}`);
    }
    return partitions.flatMap((p) => p.records());
  }

  /** The stored record batches of one partition: offsets, size as stored, codec. */
  batches(topic: string, partition: number): BatchInfo[] {
    const log = this.log.partition(topic, partition);
    if (!log) throw new Error(`no partition ${topic}/${partition} on the test broker`);
    return log.batchInfo();
  }

  /** A partition's log start offset and high watermark: for assertions. */
  offsets(topic: string, partition: number): { logStartOffset: number; highWatermark: number } {
    const log = this.log.partition(topic, partition);
    if (!log) throw new Error(`no partition ${topic}/${partition} on the test broker`);
    return { logStartOffset: log.logStartOffset, highWatermark: log.highWatermark };
  }

  /** The group's committed offset for a partition, if any: for assertions. */
  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.groups.committed(groupId, topic, partition)?.offset;
  }

  /** Fetches parked in a long poll right now: lets a test produce once a fetch really waits. */
  get parkedFetches(): number {
    return this.log.waiting;
  }

  /**
   * Calls `listener` synchronously after each batch is stored and before the producer is
   * answered: a test can call goAway() there to lose the answer to a stored batch.
   */
  onAppend(listener: (event: AppendEvent) => void): () => void {
    return this.log.onAppend(listener);
  }

  /**
   * As a broker that crashed: every connection dropped and the port closed. The log, the
   * committed offsets and the groups stay, as a restarted broker would find them on disk.
   */
  async goAway(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    await closed;
  }

  /** Listens again on the same port, with everything stored before goAway(). */
  async comeBack(): Promise<void> {
    if (this.server) return;
    await this.listen();
  }

  async stop(): Promise<void> {
    await this.goAway();
    clearInterval(this.retentionTimer);
    this.groups.close();
  }

  private listen(): Promise<void> {
    const server = createServer((socket) => {
      const connection = new BrokerConnection(
        socket,
        (request) => this.dispatch(request),
        (error) => this.report(error),
      );
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        const address = server.address();
        if (address && typeof address === 'object') this.port = address.port;
        this.server = server;
        resolve();
      });
    });
  }

  private async dispatch(request: IncomingRequest): Promise<Buffer | null> {
    const { apiKey, apiVersion } = request.header;
    const api = apis.find((candidate) => candidate.apiKey === apiKey);
    if (apiKey === ApiKey.ApiVersions && api && apiVersion > api.maxVersion) {
      return encodeApiVersionsResponse(ErrorCode.UNSUPPORTED_VERSION, apis, 0);
    }
    if (!api || apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      throw new ProtocolError(
        `API key ${apiKey} v${apiVersion} is not implemented (client ${request.header.clientId})`,
      );
    }
    const served = this.servedVersions.get(api.name) ?? new Set<number>();
    this.servedVersions.set(api.name, served.add(apiVersion));
    return api.handle({ ...request, version: apiVersion, broker: this.brokerState() });
  }

  private brokerState(): BrokerState {
    return {
      nodeId: NODE_ID,
      host: this.host,
      port: this.port,
      clusterId: 'kafka-test-broker',
      autoCreateTopics: this.autoCreateTopics,
      defaultPartitions: this.defaultPartitions,
      maxMessageBytes: this.maxMessageBytes,
      tooLarge: this.tooLarge,
      log: this.log,
      groups: this.groups,
      apis,
      nextProducerId: () => this.producerIds++,
    };
  }

  private report(error: Error): void {
    this.errors.push(error);
    console.warn(`kafka-test-broker: ${error.message}`);
  }
}
