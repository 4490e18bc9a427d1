/**
 * KafkaTestBroker — a TEST HARNESS, not a product: a single-node, in-memory broker speaking just
 * enough of the Kafka wire protocol for kafkajs (and librdkafka's kcat) to produce, fetch and run
 * consumer groups against it, listening on a loopback port. No replication, transactions,
 * compaction, retention, quotas, SASL or TLS. The implemented API keys and versions are listed in
 * docs/KAFKA-TEST-BROKER.md.
 *
 *   const broker = await KafkaTestBroker.start();
 *   const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
 *   ...
 *   await broker.stop();
 */
import { createServer, type Server, type Socket } from 'node:net';
import { apiVersionsApi } from './apis/api-versions';
import { createTopicsApi } from './apis/create-topics';
import { fetchApi } from './apis/fetch';
import { findCoordinatorApi } from './apis/find-coordinator';
import { heartbeatApi } from './apis/heartbeat';
import { initProducerIdApi } from './apis/init-producer-id';
import { joinGroupApi } from './apis/join-group';
import { leaveGroupApi } from './apis/leave-group';
import { listOffsetsApi } from './apis/list-offsets';
import { metadataApi } from './apis/metadata';
import { offsetCommitApi } from './apis/offset-commit';
import { offsetFetchApi } from './apis/offset-fetch';
import { produceApi } from './apis/produce';
import { syncGroupApi } from './apis/sync-group';
import { BrokerState } from './broker-state';
import { Connection } from './connection';
import type { LogRecord } from './partition-log';
import type { ApiModule } from './protocol';

export interface KafkaTestBrokerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Create unknown topics on Metadata/Produce (default true), like auto.create.topics.enable. */
  autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics with -1 (default 1). */
  defaultPartitions?: number;
  /** Receives diagnostics (protocol errors, unsupported requests). Default: silent. */
  log?: (message: string) => void;
}

export type { LogRecord };

export class KafkaTestBroker {
  private server: Server | null = null;
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<Socket>();
  private readonly apis: ReadonlyMap<number, ApiModule>;
  private readonly log: (message: string) => void;

  private constructor(
    private readonly state: BrokerState,
    log: (message: string) => void,
  ) {
    this.log = log;
    const modules: ApiModule[] = [
      produceApi,
      fetchApi,
      listOffsetsApi,
      metadataApi,
      offsetCommitApi,
      offsetFetchApi,
      findCoordinatorApi,
      joinGroupApi,
      heartbeatApi,
      leaveGroupApi,
      syncGroupApi,
      createTopicsApi,
      initProducerIdApi,
    ];
    modules.push(apiVersionsApi(() => modules));
    this.apis = new Map(modules.map((m) => [m.apiKey, m]));
  }

  static async start(options: KafkaTestBrokerOptions = {}): Promise<KafkaTestBroker> {
    const state = new BrokerState({
      autoCreateTopics: options.autoCreateTopics ?? true,
      defaultPartitions: options.defaultPartitions ?? 1,
    });
    const broker = new KafkaTestBroker(state, options.log ?? (() => undefined));
    await broker.listen(options.port ?? 0);
    return broker;
  }

  /** Bootstrap list for clients: `['127.0.0.1:<port>']`. */
  get brokers(): string[] {
    return [`${this.state.host}:${this.state.port}`];
  }

  get port(): number {
    return this.state.port;
  }

  /** The API modules the broker serves (key, name, version range). */
  get supportedApis(): { apiKey: number; name: string; minVersion: number; maxVersion: number }[] {
    return [...this.apis.values()]
      .map(({ apiKey, name, minVersion, maxVersion }) => ({ apiKey, name, minVersion, maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  createTopic(name: string, partitions: number): void {
    if (!this.state.createTopic(name, partitions)) {
      throw new Error(`createTopic: topic ${name} already exists`);
    }
  }

  topics(): string[] {
    return [...this.state.topics.keys()];
  }

  /** The records of a topic (one partition, or all partitions in partition order), decoded. */
  records(topic: string, partition?: number): LogRecord[] {
    const logs = this.state.topics.get(topic);
    if (!logs) throw new Error(`records: unknown topic ${topic}`);
    if (partition !== undefined) {
      const log = logs[partition];
      if (!log) throw new Error(`records: unknown partition ${topic}/${partition}`);
      return log.records();
    }
    return logs.flatMap((log) => log.records());
  }

  /** Committed offset of a group for a partition, or undefined. */
  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.state.groups.committedOffset(groupId, topic, partition);
  }

  /** A group's phase, generation, leader and member ids (undefined for an unknown group). */
  group(groupId: string) {
    return this.state.groups.describe(groupId);
  }

  /** How many Fetch requests are parked in a long poll right now. */
  pendingFetches(): number {
    return this.state.waitingFetches;
  }

  /**
   * Test hook: the next `count` Produce requests are appended, then their connection is destroyed
   * instead of answered — a lost acknowledgement, which an idempotent producer retries.
   */
  dropProduceResponses(count: number): void {
    this.state.dropProduceResponses = count;
  }

  /** Simulates an outage: destroys every connection and closes the port. Logs and offsets stay. */
  async goAway(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const connection of this.connections) connection.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.connections.clear();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ends an outage: listens again on the same port. */
  async comeBack(): Promise<void> {
    if (this.server) return;
    await this.listen(this.state.port);
  }

  async stop(): Promise<void> {
    await this.goAway();
    this.state.groups.shutdown();
  }

  private listen(port: number): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: this.state.host }, () => {
        server.off('error', reject);
        const address = server.address();
        if (address && typeof address === 'object') this.state.port = address.port;
        this.server = server;
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const connection = new Connection(socket, this.state, this.apis, this.log);
    this.connections.add(connection);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.connections.delete(connection);
    });
  }
}
