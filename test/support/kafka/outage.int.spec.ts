import { Kafka, logLevel } from 'kafkajs';
import { KafkaTestBroker } from './kafka-test-broker';
import { waitFor } from './wait-for';

jest.setTimeout(60_000);

describe('KafkaTestBroker: outages and lost acknowledgements (kafkajs idempotent producer)', () => {
  let broker: KafkaTestBroker;
  let kafka: Kafka;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
    kafka = new Kafka({
      clientId: 'outage-spec',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 50, initialRetryTime: 50, maxRetryTime: 500 },
    });
  });

  afterEach(async () => {
    await broker.stop();
  });

  it('keeps the log across goAway/comeBack and stores every message sent across the outage exactly once', async () => {
    broker.createTopic('outage', 2);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = (i: number) =>
      producer.send({
        topic: 'outage',
        messages: [{ partition: i % 2, key: `k${i}`, value: `m${i}`, headers: { i: String(i) } }],
      });
    try {
      for (let i = 0; i < 10; i++) await send(i);
      const portBefore = broker.port;

      // A lost acknowledgement: m10 is appended, the connection drops, the producer retries the
      // same batch (same sequence) and must get the original offset back, not a second copy.
      broker.dropProduceResponses(1);
      const lost = send(10);
      await waitFor('m10 appended', () => broker.records('outage').some((r) => r.value === 'm10'));

      // The broker goes away with sends in flight, and comes back on the same port.
      await broker.goAway();
      const duringOutage = [11, 12, 13].map((i) => send(i));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await broker.comeBack();
      expect(broker.port).toBe(portBefore);

      const [lostMeta] = await lost;
      await Promise.all(duringOutage);
      for (let i = 14; i < 20; i++) await send(i);

      const m10 = broker.records('outage', 0).find((r) => r.value === 'm10');
      expect(m10?.offset).toBe(Number(lostMeta.baseOffset));
    } finally {
      await producer.disconnect();
    }

    const values = broker.records('outage').map((r) => r.value);
    expect([...values].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    for (const p of [0, 1]) {
      const records = broker.records('outage', p);
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i));
      expect(
        records.every((r) => Number(r.headers.i) % 2 === p && r.key === `k${r.headers.i}`),
      ).toBe(true);
    }
  });

  it('keeps committed offsets across an outage: a consumer resumes after the last commit', async () => {
    broker.createTopic('resume', 1);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const seen: number[] = [];
    const consumer = kafka.consumer({
      groupId: 'resume-group',
      sessionTimeout: 10_000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 200,
    });
    try {
      await producer.send({
        topic: 'resume',
        messages: Array.from({ length: 5 }, (_, i) => ({ value: `a${i}` })),
      });
      await consumer.connect();
      await consumer.subscribe({ topic: 'resume', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(Number(message.offset));
        },
      });
      await waitFor(
        'first 5 committed',
        () => broker.committedOffset('resume-group', 'resume', 0) === 5,
      );

      await broker.goAway();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await broker.comeBack();

      await producer.send({
        topic: 'resume',
        messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${i}` })),
      });
      await waitFor('all 10 consumed', () => new Set(seen).size === 10, 40_000);
      await waitFor(
        'all 10 committed',
        () => broker.committedOffset('resume-group', 'resume', 0) === 10,
      );
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
    // Offsets 0-4 were committed before the outage: none of them is processed again.
    expect(seen.filter((o) => o < 5)).toEqual([0, 1, 2, 3, 4]);
    expect([...new Set(seen)].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
  });
});
