import { connect } from 'node:net';
import type { RecordMetadata } from 'kafkajs';
import { KafkaTestBroker, type AppendEvent } from './kafka-test-broker';
import { kafkaFor, waitUntil } from './kafka-test-clients';

jest.setTimeout(120_000);

const TOPIC = 'conflict.reports.v1';
const OUTAGE_MS = 3_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function portRefuses(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect(Number(port), host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('Kafka test broker going away and coming back', () => {
  let broker: KafkaTestBroker;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
    broker.createTopic(TOPIC, 2);
  }, 120_000);

  afterEach(async () => {
    await broker.stop();
    expect(broker.errors).toEqual([]);
  }, 120_000);

  /** Drops every connection right after the nth stored batch, before its producer is answered. */
  function goAwayAfterAppend(n: number): {
    lost: () => AppendEvent | undefined;
    back: Promise<boolean>;
  } {
    let appends = 0;
    let lost: AppendEvent | undefined;
    let cameBack: (refusedWhileAway: boolean) => void = () => undefined;
    const back = new Promise<boolean>((resolve) => (cameBack = resolve));
    const stopListening = broker.onAppend((event) => {
      if (++appends !== n) return;
      stopListening();
      lost = event;
      void broker.goAway().then(async () => {
        const refused = await portRefuses(broker.brokers[0]);
        await sleep(OUTAGE_MS);
        await broker.comeBack();
        cameBack(refused);
      });
    });
    return { lost: () => lost, back };
  }

  it('stores every message exactly once when a producer retries a batch whose answer was lost in the outage', async () => {
    const producer = kafkaFor(broker, 'relay', {
      retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 },
    }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const outage = goAwayAfterAppend(6);

    const answers: RecordMetadata[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const [answer] = await producer.send({
          topic: TOPIC,
          messages: [
            { key: `theatre-${i % 3}`, value: `report-${i}`, headers: { position: `${i}` } },
          ],
        });
        answers.push(answer);
      }
    } finally {
      await producer.disconnect();
    }

    expect(await outage.back).toBe(true);
    const lost = outage.lost()!;
    const retried = answers[5];
    expect([retried.partition, Number(retried.baseOffset)]).toEqual([
      lost.partition,
      lost.baseOffset,
    ]);
    const values = broker.records(TOPIC).map((r) => String(r.value));
    expect(values.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `report-${i}`).sort());
    for (const partition of [0, 1]) {
      const offsets = broker.records(TOPIC, partition).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  it('lets a consumer group go on after the outage from its committed offsets', async () => {
    const producer = kafkaFor(broker, 'relay').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const consumer = kafkaFor(broker, 'projector', {
      retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 },
    }).consumer({
      groupId: 'projector',
      maxWaitTimeInMs: 500,
      heartbeatInterval: 500,
      sessionTimeout: 6_000,
      rebalanceTimeout: 10_000,
    });
    const processed: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        processed.push(String(message.value));
      },
    });
    const send = (label: string) =>
      producer.send({
        topic: TOPIC,
        messages: [0, 1].map((partition) => ({ partition, value: `${label}-${partition}` })),
      });

    try {
      await send('before');
      await waitUntil('the consumer committed the first messages', () =>
        [0, 1].every((p) => broker.committedOffset('projector', TOPIC, p) === 1),
      );
      await broker.goAway();
      await sleep(OUTAGE_MS);
      await broker.comeBack();
      await send('after');
      await waitUntil(
        'the consumer read the messages sent after the outage',
        () => processed.filter((v) => v.startsWith('after')).length === 2,
        60_000,
      );
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }

    expect(processed.sort()).toEqual(['after-0', 'after-1', 'before-0', 'before-1']);
    expect(broker.records(TOPIC).map((r) => String(r.value))).toEqual([
      'before-0',
      'after-0',
      'before-1',
      'after-1',
    ]);
  });
});
