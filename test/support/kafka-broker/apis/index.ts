import type { ApiHandler } from './api';
import { apiVersionsApi } from './api-versions';
import { createTopicsApi } from './create-topics';
import { deleteRecordsApi } from './delete-records';
import { describeConfigsApi } from './describe-configs';
import { describeGroupsApi } from './describe-groups';
import { fetchApi } from './fetch';
import { findCoordinatorApi } from './find-coordinator';
import { heartbeatApi } from './heartbeat';
import { initProducerIdApi } from './init-producer-id';
import { joinGroupApi } from './join-group';
import { leaveGroupApi } from './leave-group';
import { listGroupsApi } from './list-groups';
import { listOffsetsApi } from './list-offsets';
import { metadataApi } from './metadata';
import { offsetCommitApi } from './offset-commit';
import { offsetFetchApi } from './offset-fetch';
import { produceApi } from './produce';
import { syncGroupApi } from './sync-group';

export type { ApiHandler, ApiRequest, BrokerState } from './api';
export { encodeApiVersionsResponse } from './api-versions';

/** Every API the broker serves, in API-key order; ApiVersions advertises exactly these. */
export const apis: readonly ApiHandler[] = [
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
  describeGroupsApi,
  listGroupsApi,
  apiVersionsApi,
  createTopicsApi,
  deleteRecordsApi,
  initProducerIdApi,
  describeConfigsApi,
];
