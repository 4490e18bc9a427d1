import { TOPICS } from '@cm/contracts';
import { StoreEventSource } from '@cm/event-store';
import type { StoredEvent } from '@cm/event-store';
import type { Pool } from 'pg';
import { partitionFor } from './kafka-connection';
import { chooseEventSource, KafkaEventSource } from './kafka-event-source';
import type { KafkaRuntime } from './kafka-runtime';

const pool = {} as Pool;
const runtime = { kafka: {}, partitions: () => 6 } as unknown as KafkaRuntime;

const eventOf = (theatre: string): StoredEvent =>
  ({
    position: 1,
    transactionId: '1',
    eventId: 'e',
    streamId: `report-${theatre}`,
    streamVersion: 1,
    type: 'report.filed',
    data: { theatre },
    metadata: {},
    recordedAt: '2026-01-01T00:00:00.000Z',
  }) as unknown as StoredEvent;

describe('chooseEventSource', () => {
  it('given no Kafka runtime, is the store subscription of that name', () => {
    const source = chooseEventSource({ pool, runtime: null, name: 'projector' });

    expect(source).toBeInstanceOf(StoreEventSource);
    expect(source.name).toBe('projector');
    expect(source.partitionOf(eventOf('UA'))).toBeNull();
  });

  it('given a Kafka runtime, is a member of the consumer group of that name', () => {
    const source = chooseEventSource({ pool, runtime, name: 'alerter' });

    expect(source).toBeInstanceOf(KafkaEventSource);
    expect(source.name).toBe('alerter');
  });
});

describe('KafkaEventSource', () => {
  it('places an event in the partition its theatre is published to', () => {
    const source = new KafkaEventSource({ pool, runtime, groupId: 'alerter' });

    for (const theatre of ['UA', 'SD', 'MM', 'YE']) {
      expect(source.partitionOf(eventOf(theatre))).toBe(partitionFor(TOPICS.reports, theatre, 6));
    }
  });

  it('refuses to wait until caught up (that is the embedded mode)', async () => {
    const source = new KafkaEventSource({ pool, runtime, groupId: 'alerter' });

    await expect(source.waitUntilCaughtUp()).rejects.toThrow(/embedded mode/);
  });
});
