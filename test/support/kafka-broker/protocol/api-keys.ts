/** The API keys this broker implements, numbered as in the Kafka protocol. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteRecords: 21,
  InitProducerId: 22,
  DescribeConfigs: 32,
} as const;

export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];
