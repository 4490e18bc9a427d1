import type { Kafka, Producer, ProducerRecord, RecordMetadata } from 'kafkajs';

/**
 * kafkajs's idempotent producer (one request in flight, which its ordering needs), taken
 * afresh after any failed send. The brokers may have stored a failed batch unheard; kafkajs
 * would then hand out the same sequence numbers again, so a retried, longer batch is refused
 * with OUT_OF_ORDER_SEQUENCE_NUMBER forever, or a different next message is taken for a repeat
 * and dropped. A new producer id starts afresh; what was stored goes out again, and consumers
 * drop it as a duplicate.
 */
export class RenewableProducer {
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka) {}

  /** Connects now, so that start-up fails when no broker answers. */
  async connect(): Promise<void> {
    await this.current();
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const producer = await this.current();
    try {
      return await producer.send(record);
    } catch (error) {
      if (this.producer === producer) this.producer = undefined;
      producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect();
  }

  private async current(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }
}
