import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { KafkaTestBroker } from './kafka-test-broker';
import { waitFor } from './wait-for';

jest.setTimeout(60_000);

interface Processed {
  consumer: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

describe('KafkaTestBroker: consumer groups (kafkajs)', () => {
  let broker: KafkaTestBroker;
  let kafka: Kafka;
  let producer: Producer;
  const consumers: Consumer[] = [];

  const newConsumer = (groupId: string, options: Record<string, unknown> = {}) => {
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 200,
      ...options,
    });
    consumers.push(consumer);
    return consumer;
  };

  const record =
    (sink: Processed[], consumer: string) =>
    async ({ partition, message }: any) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        headers[name] = String(value);
      }
      sink.push({
        consumer,
        partition,
        offset: Number(message.offset),
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers,
      });
    };

  const assignmentsOf = (consumer: Consumer) => {
    const latest: { memberId: string; partitions: number[] } = { memberId: '', partitions: [] };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }: any) => {
      latest.memberId = payload.memberId;
      latest.partitions = (Object.values(payload.memberAssignment).flat() as number[]).sort(
        (x, y) => x - y,
      );
    });
    return latest;
  };

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
    kafka = new Kafka({
      clientId: 'group-spec',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 1_000 },
    });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterEach(async () => {
    await producer.disconnect();
    await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
    await broker.stop();
  });

  it('consumes everything a producer wrote, keys, headers and per-partition order intact, and commits', async () => {
    broker.createTopic('everything', 3);
    for (let i = 0; i < 200; i += 25) {
      await producer.send({
        topic: 'everything',
        messages: Array.from({ length: 25 }, (_, j) => ({
          key: `key-${(i + j) % 11}`,
          value: `value-${i + j}`,
          headers: { seq: String(i + j), kind: 'report' },
        })),
      });
    }
    const processed: Processed[] = [];
    const consumer = newConsumer('everything-group');
    await consumer.connect();
    await consumer.subscribe({ topic: 'everything', fromBeginning: true });
    await consumer.run({ eachMessage: record(processed, 'only') });
    await waitFor('200 messages consumed', () => processed.length >= 200);
    await consumer.disconnect();

    expect(processed).toHaveLength(200);
    for (let p = 0; p < 3; p++) {
      const stored = broker.records('everything', p);
      const consumed = processed
        .filter((m) => m.partition === p)
        .map(({ offset, key, value, headers }) => ({ offset, key, value, headers }));
      expect(consumed).toEqual(stored);
      expect(broker.committedOffset('everything-group', 'everything', p)).toBe(stored.length);
    }
    expect(
      processed.every((m) => m.headers.kind === 'report' && m.value === `value-${m.headers.seq}`),
    ).toBe(true);
  });

  it('splits 4 partitions between two members, and the survivor takes over from the committed offsets', async () => {
    broker.createTopic('split', 4);
    const sendRound = async (round: string) => {
      for (let partition = 0; partition < 4; partition++) {
        await producer.send({
          topic: 'split',
          messages: Array.from({ length: 10 }, (_, i) => ({
            partition,
            key: `p${partition}`,
            value: `${round}-${partition}-${i}`,
          })),
        });
      }
    };
    await sendRound('r1');

    const processed: Processed[] = [];
    const a = newConsumer('split-group');
    const b = newConsumer('split-group');
    const aAssigned = assignmentsOf(a);
    const bAssigned = assignmentsOf(b);

    let round3SeenByA = 0;
    let aDisconnected: Promise<void> | null = null;
    const recordA = record(processed, 'a');
    await a.connect();
    await a.subscribe({ topic: 'split', fromBeginning: true });
    await a.run({
      eachMessage: async (payload) => {
        await recordA(payload);
        if (payload.message.value?.toString().startsWith('r3-') && ++round3SeenByA === 3) {
          aDisconnected = a.disconnect(); // mid-batch: the rest of A's batch stays unprocessed
        }
      },
    });
    await waitFor('A owns all 4 partitions', () => aAssigned.partitions.length === 4);

    await b.connect();
    await b.subscribe({ topic: 'split', fromBeginning: true });
    await b.run({ eachMessage: record(processed, 'b') });
    const split = () => {
      const group = broker.group('split-group');
      return (
        group?.phase === 'Stable' &&
        group.members.length === 2 &&
        group.members.includes(aAssigned.memberId) &&
        group.members.includes(bAssigned.memberId) &&
        aAssigned.partitions.length === 2 &&
        bAssigned.partitions.length === 2
      );
    };
    await waitFor('A and B to hold 2 partitions each', split);
    expect([...aAssigned.partitions, ...bAssigned.partitions].sort()).toEqual([0, 1, 2, 3]);

    await sendRound('r2');
    const offsetsOf = (partition: number) =>
      new Set(processed.filter((m) => m.partition === partition).map((m) => m.offset));
    await waitFor('round 2 consumed', () => [0, 1, 2, 3].every((p) => offsetsOf(p).size === 20));
    for (const m of processed.filter((m) => m.value?.startsWith('r2-'))) {
      const owner = aAssigned.partitions.includes(m.partition) ? 'a' : 'b';
      expect(m.consumer).toBe(owner);
    }
    await waitFor('round 2 committed', () =>
      [0, 1, 2, 3].every((p) => broker.committedOffset('split-group', 'split', p) === 20),
    );

    const aPartitions = [...aAssigned.partitions];
    await sendRound('r3');
    await waitFor('A to stop', () => aDisconnected !== null);
    await aDisconnected;
    const committedWhenALeft = aPartitions.map(
      (p) => broker.committedOffset('split-group', 'split', p) ?? 0,
    );
    const processedWhenALeft = processed.length;
    // A stopped part-way through round 3: B has something left to continue from.
    expect(committedWhenALeft.some((offset) => offset > 20 && offset < 30)).toBe(true);

    await waitFor('B to own all 4 partitions', () => bAssigned.partitions.length === 4);
    await waitFor('round 3 consumed', () => [0, 1, 2, 3].every((p) => offsetsOf(p).size === 30));

    // Every message processed; B picked up each of A's partitions exactly at the committed offset.
    for (let p = 0; p < 4; p++)
      expect([...offsetsOf(p)].sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
    aPartitions.forEach((p, i) => {
      const byBAfter = processed
        .slice(processedWhenALeft)
        .filter((m) => m.partition === p && m.consumer === 'b')
        .map((m) => m.offset);
      expect(byBAfter[0] ?? 30).toBe(committedWhenALeft[i]);
      expect(Math.min(...byBAfter, 30)).toBe(committedWhenALeft[i]);
    });
    // Nothing committed was processed twice.
    const seen = new Map<string, number>();
    for (const m of processed)
      seen.set(`${m.partition}:${m.offset}`, (seen.get(`${m.partition}:${m.offset}`) ?? 0) + 1);
    const twice = [...seen.entries()].filter(([, n]) => n > 1).map(([k]) => k);
    expect(twice).toEqual([]);
    expect(
      processed.filter((m) => m.consumer === 'a' && m.value?.startsWith('r3-')).length,
    ).toBeLessThan(processed.filter((m) => m.value?.startsWith('r3-')).length);
  });

  it('long-polls: a message produced after the consumer started arrives without waiting out max_wait_ms', async () => {
    broker.createTopic('late', 1);
    const processed: Processed[] = [];
    // A fetch waits up to 5 minutes: the message can only arrive in time if the produce wakes it.
    const consumer = newConsumer('late-group', {
      maxWaitTimeInMs: 300_000,
      sessionTimeout: 60_000,
    });
    const assigned = assignmentsOf(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'late', fromBeginning: true });
    await consumer.run({ eachMessage: record(processed, 'only') });
    await waitFor('assignment', () => assigned.partitions.length === 1);
    await waitFor('a fetch to be waiting', () => broker.pendingFetches() > 0);

    await producer.send({ topic: 'late', messages: [{ key: 'k', value: 'late news' }] });
    await waitFor('the late message', () => processed.length === 1, 30_000);
    expect(processed[0]).toMatchObject({ offset: 0, key: 'k', value: 'late news' });

    // The consumer's next fetch is parked for minutes; end it by closing the broker first.
    await broker.stop();
  });
});
