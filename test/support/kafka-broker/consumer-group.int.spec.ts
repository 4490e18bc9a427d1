import type { Consumer, Producer } from 'kafkajs';
import { KafkaTestBroker } from './kafka-test-broker';
import { kafkaFor, waitUntil } from './kafka-test-clients';

jest.setTimeout(90_000);

const TOPIC = 'conflict.reports.v1';
const GROUP = 'projector';
const PARTITIONS = [0, 1, 2, 3];

interface Processed {
  consumer: string;
  partition: number;
  offset: number;
  value: string;
}

interface RunningConsumer {
  name: string;
  consumer: Consumer;
  /** The partitions of TOPIC given to it at each join, oldest first. */
  assignments: number[][];
  current(): number[];
}

describe('Kafka test broker with kafkajs consumer groups', () => {
  let broker: KafkaTestBroker;
  let producer: Producer;
  let processed: Processed[];
  let running: RunningConsumer[];

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
    broker.createTopic(TOPIC, PARTITIONS.length);
    producer = kafkaFor(broker, 'relay').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    processed = [];
    running = [];
  }, 120_000);

  afterEach(async () => {
    for (const { consumer } of running) await consumer.disconnect();
    await producer.disconnect();
    await broker.stop();
    expect(broker.errors).toEqual([]);
  }, 120_000);

  async function startConsumer(name: string): Promise<RunningConsumer> {
    const consumer = kafkaFor(broker, name).consumer({
      groupId: GROUP,
      maxWaitTimeInMs: 500,
      heartbeatInterval: 300,
    });
    const started: RunningConsumer = {
      name,
      consumer,
      assignments: [],
      current: () => started.assignments.at(-1) ?? [],
    };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      started.assignments.push([...(payload.memberAssignment[TOPIC] ?? [])].sort());
    });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        processed.push({
          consumer: name,
          partition,
          offset: Number(message.offset),
          value: String(message.value),
        });
      },
    });
    running.push(started);
    return started;
  }

  async function stopConsumer(stopped: RunningConsumer): Promise<void> {
    running = running.filter((r) => r !== stopped);
    await stopped.consumer.disconnect();
  }

  function splitBetween(a: RunningConsumer, b: RunningConsumer): boolean {
    const [ofA, ofB] = [a.current(), b.current()];
    return (
      ofA.length > 0 &&
      ofB.length > 0 &&
      [...ofA, ...ofB].sort().join() === PARTITIONS.join() &&
      ofA.every((p) => !ofB.includes(p))
    );
  }

  async function produce(perPartition: number, label: string): Promise<void> {
    await producer.send({
      topic: TOPIC,
      messages: PARTITIONS.flatMap((partition) =>
        Array.from({ length: perPartition }, (_, i) => ({
          partition,
          key: `theatre-${partition}`,
          value: `${label}-${partition}-${i}`,
        })),
      ),
    });
  }

  function committedEverywhere(offset: number): boolean {
    return PARTITIONS.every((p) => broker.committedOffset(GROUP, TOPIC, p) === offset);
  }

  it('rebalances when a second consumer joins, splitting the partitions between the two', async () => {
    const first = await startConsumer('first');
    await waitUntil('the first consumer holds every partition', () => {
      return first.current().join() === PARTITIONS.join();
    });

    const second = await startConsumer('second');
    await waitUntil('the partitions are split between both', () => splitBetween(first, second));

    expect(first.assignments.length).toBeGreaterThanOrEqual(2);
    const admin = kafkaFor(broker, 'admin').admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([GROUP]);
      expect(groups[0].state).toBe('Stable');
      expect(groups[0].members.map((m) => m.clientId).sort()).toEqual(['first', 'second']);
    } finally {
      await admin.disconnect();
    }
  });

  it('hands a leaving consumer’s partitions to the other, which goes on from the committed offsets', async () => {
    const leaving = await startConsumer('leaving');
    const staying = await startConsumer('staying');
    await waitUntil('the partitions are split between both', () => splitBetween(leaving, staying));
    const leavingPartitions = leaving.current();

    await produce(10, 'before');
    await waitUntil('both consumers committed all 40 messages', () => committedEverywhere(10));
    await stopConsumer(leaving);
    await waitUntil('the staying consumer holds every partition', () => {
      return staying.current().join() === PARTITIONS.join();
    });
    await produce(5, 'after');
    await waitUntil('the staying consumer committed the 20 new messages', () => {
      return committedEverywhere(15);
    });

    const times = new Map<string, number>();
    for (const p of processed) times.set(p.value, (times.get(p.value) ?? 0) + 1);
    expect(times.size).toBe(60);
    expect([...times.values()].every((count) => count === 1)).toBe(true);
    for (const partition of leavingPartitions) {
      const onPartition = processed.filter((p) => p.partition === partition);
      expect(onPartition.filter((p) => p.offset < 10).every((p) => p.consumer === 'leaving')).toBe(
        true,
      );
      expect(onPartition.filter((p) => p.offset >= 10).map((p) => [p.consumer, p.offset])).toEqual(
        [10, 11, 12, 13, 14].map((offset) => ['staying', offset]),
      );
    }
  });
});
