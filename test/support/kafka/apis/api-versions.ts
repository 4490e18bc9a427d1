/**
 * ApiVersions (key 18) v0-v2. A request for a version above 2 (librdkafka opens with v3) gets
 * UNSUPPORTED_VERSION with the supported list in a v0 body, so the client retries lower.
 */
import { ApiKey, type ApiModule, Encoder, ErrorCode } from '../protocol';

export function apiVersionsApi(modules: () => readonly ApiModule[]): ApiModule {
  const api: ApiModule = {
    apiKey: ApiKey.ApiVersions,
    name: 'ApiVersions',
    minVersion: 0,
    maxVersion: 2,
    handle(_body, { header }) {
      const supported = header.apiVersion >= 0 && header.apiVersion <= api.maxVersion;
      const list = [...modules()]
        .sort((a, b) => a.apiKey - b.apiKey)
        .map((m) =>
          new Encoder().writeInt16(m.apiKey).writeInt16(m.minVersion).writeInt16(m.maxVersion),
        );
      const out = new Encoder()
        .writeInt16(supported ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_VERSION)
        .writeArray(list);
      if (supported && header.apiVersion >= 1) out.writeInt32(0); // throttle_time_ms
      return out;
    },
  };
  return api;
}
