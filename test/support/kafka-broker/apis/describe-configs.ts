import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import { describeTopicConfigs, type DescribedConfig } from '../topic-configs';
import type { ApiHandler, BrokerState } from './api';

/**
 * DescribeConfigs v0-2 (v2 as v1), for kafkajs `admin.describeConfigs` and assertions: a topic's
 * configs as topic-configs.ts describes them, and the broker's `message.max.bytes`. Synonyms
 * are never listed; nothing is read-only or sensitive.
 * Request: [resources: resource_type resource_name [config_names] (null = all)]
 *   include_synonyms(v1+).
 * Response: throttle_time_ms [results: error_code error_message resource_type resource_name
 *   [configs: name value read_only is_default(v0) | config_source(v1+) is_sensitive
 *   [synonyms](v1+)]].
 */
const TOPIC = 2;
const BROKER = 4;
/** Kafka's config sources: a topic's own setting, a broker's static one, a default. */
const TOPIC_CONFIG = 1;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;

interface Resource {
  type: number;
  name: string;
  configNames: string[] | null;
}

interface ResourceResult extends Omit<Resource, 'configNames'> {
  errorCode: ErrorCode;
  errorMessage: string | null;
  configs: (DescribedConfig & { source: number })[];
}

export function decodeDescribeConfigsRequest(body: Reader, version: number): Resource[] {
  const resources = body.array((r) => ({
    type: r.int8(),
    name: r.string(),
    configNames: r.nullableArray((n) => n.string()),
  }));
  if (version >= 1) body.boolean(); // include_synonyms: there are none to list
  return resources;
}

export function encodeDescribeConfigsResponse(
  results: readonly ResourceResult[],
  version: number,
): Buffer {
  return new Writer()
    .int32(0)
    .array(results, (w, result) => {
      w.int16(result.errorCode).nullableString(result.errorMessage);
      w.int8(result.type).string(result.name);
      w.array(result.configs, (c, config) => {
        c.string(config.name).nullableString(config.value).boolean(false);
        if (version === 0) c.boolean(config.isDefault);
        else c.int8(config.source);
        c.boolean(false);
        if (version >= 1) c.array([], () => undefined);
      });
    })
    .toBuffer();
}

function describe(resource: Resource, broker: BrokerState): ResourceResult {
  const result = { type: resource.type, name: resource.name, errorMessage: null, configs: [] };
  let configs: ResourceResult['configs'];
  if (resource.type === TOPIC) {
    const topic = broker.log.topic(resource.name);
    if (!topic) return { ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    configs = describeTopicConfigs(topic.configs, broker.maxMessageBytes).map((config) => ({
      ...config,
      source: config.isDefault ? DEFAULT_CONFIG : TOPIC_CONFIG,
    }));
  } else if (resource.type === BROKER && resource.name === String(broker.nodeId)) {
    configs = [
      {
        name: 'message.max.bytes',
        value: String(broker.maxMessageBytes),
        isDefault: broker.maxMessageBytes === 1_048_588,
        source: STATIC_BROKER_CONFIG,
      },
    ];
  } else {
    return {
      ...result,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `The test broker describes topics and broker ${broker.nodeId} only`,
    };
  }
  const wanted = resource.configNames;
  const selected = wanted ? configs.filter((config) => wanted.includes(config.name)) : configs;
  return { ...result, errorCode: ErrorCode.NONE, configs: selected };
}

export const describeConfigsApi: ApiHandler = {
  apiKey: ApiKey.DescribeConfigs,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 2,
  handle: ({ version, body, broker }) => {
    const resources = decodeDescribeConfigsRequest(body, version);
    return encodeDescribeConfigsResponse(
      resources.map((resource) => describe(resource, broker)),
      version,
    );
  },
};
