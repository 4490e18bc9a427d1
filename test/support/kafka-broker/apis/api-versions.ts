import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * ApiVersions v0-2: the versions this broker serves, so clients negotiate down to them.
 * Request: empty. Response: error_code [api_key min_version max_version] throttle_time_ms(v1+).
 */
export const apiVersionsApi: ApiHandler = {
  apiKey: ApiKey.ApiVersions,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 2,
  handle: ({ version, broker }) => encodeApiVersionsResponse(ErrorCode.NONE, broker.apis, version),
};

/**
 * Also the answer to an ApiVersions version newer than ours (librdkafka starts at v3): Kafka
 * answers it in v0 with UNSUPPORTED_VERSION and its list, and the client retries lower.
 */
export function encodeApiVersionsResponse(
  errorCode: ErrorCode,
  apis: readonly ApiHandler[],
  version: number,
): Buffer {
  const writer = new Writer()
    .int16(errorCode)
    .array(apis, (w, api) => w.int16(api.apiKey).int16(api.minVersion).int16(api.maxVersion));
  if (version >= 1) writer.int32(0);
  return writer.toBuffer();
}
