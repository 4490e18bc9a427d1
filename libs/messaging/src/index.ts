// The public door of @cm/messaging: Kafka through kafkajs for the distributed mode.
export { AlertRelay, ALERT_RELAY_NAME } from './alert-relay';
export type { AlertRelayOptions } from './alert-relay';
export {
  ConsumerNotReadyError,
  ConsumerWatch,
  groupLag,
  kafkaLags,
  partitionLags,
} from './consumer-health';
export type { PartitionLag } from './consumer-health';
export {
  ALL_PARTITIONS,
  loadProgress,
  ProgressMovedError,
  raiseGroupFloor,
} from './consumer-progress';
export { createKafka, partitionFor } from './kafka-connection';
export { chooseEventSource, KafkaEventSource } from './kafka-event-source';
export type { EventSourceChoice, KafkaEventSourceOptions } from './kafka-event-source';
export type { KafkaConnectionOptions, MessagingLog } from './kafka-connection';
export { compressionType, registerCompressionCodecs } from './codecs';
export { KafkaRuntime } from './kafka-runtime';
export type { PublishingOptions } from './kafka-runtime';
export { OversizeMessageError, recordBytes, splitIntoSends } from './publish-batches';
export { KAFKA_RUNTIME, MessagingModule, messagingLog } from './messaging.module';
export { ReportConsumer, TransientError } from './report-consumer';
export type { ConsumedBatch, ConsumerCrash, ReportConsumerOptions } from './report-consumer';
export { UnverifiedMessageError } from './store-check';
export {
  decodeReportMessage,
  encodeReportMessage,
  STORE_TRANSACTION_HEADER,
  theatreOf,
  UndecodableMessageError,
} from './report-message';
export { REPORT_RELAY_SUBSCRIPTION, ReportRelay } from './report-relay';
export type { ReportRelayOptions } from './report-relay';
export { ensureTopics, TOPIC_DEFINITIONS } from './topics';
export type { TopicDefinition } from './topics';
