import type { ApiResponseSchemaHost } from '@nestjs/swagger';
import { CONTRACT_SCHEMA_NAMES } from '@cm/contracts';

type SchemaObject = Exclude<ApiResponseSchemaHost['schema'], { $ref: string }>;

/** OpenAPI shapes of the theatre calls' answers, for /docs and /docs-json. */

const integer: SchemaObject = { type: 'integer' };
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };
const nullableDateTime: SchemaObject = { ...dateTime, nullable: true };

const reportCounts: SchemaObject = {
  type: 'object',
  required: ['deployments', 'casualties', 'ceasefireViolations', 'sanctionDemands', 'total'],
  properties: {
    deployments: integer,
    casualties: integer,
    ceasefireViolations: integer,
    sanctionDemands: integer,
    total: integer,
  },
};

export const THEATRE_LIST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['theatre', 'reports', 'firstOccurredAt', 'lastOccurredAt', 'openAlerts'],
        properties: {
          theatre: { type: 'string', example: 'russia-ukraine' },
          reports: reportCounts,
          firstOccurredAt: nullableDateTime,
          lastOccurredAt: nullableDateTime,
          openAlerts: { type: 'integer', description: 'Unresolved (open or acknowledged) alerts' },
        },
      },
    },
  },
};

const estimateSum = (keys: Record<string, SchemaObject>): SchemaObject => ({
  type: 'object',
  properties: { ...keys, reports: integer, low: integer, best: integer, high: integer },
});
const party = { party: { type: 'string' } } as const;
const violationWindow: SchemaObject = {
  type: 'object',
  properties: {
    from: dateTime,
    to: dateTime,
    total: integer,
    byAccusedParty: {
      type: 'array',
      items: { type: 'object', properties: { ...party, count: integer } },
    },
  },
};

export const OVERVIEW_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'How each figure is made: docs/READ-MODELS.md',
  properties: {
    theatre: { type: 'string' },
    at: { ...dateTime, description: 'The reference instant of the windows: now, or asOf' },
    reports: reportCounts,
    firstOccurredAt: nullableDateTime,
    lastOccurredAt: nullableDateTime,
    personnel: {
      type: 'object',
      properties: {
        byActor: { type: 'array', items: estimateSum(party) },
        bySupportingParty: { type: 'array', items: estimateSum(party) },
      },
    },
    equipment: {
      type: 'array',
      items: estimateSum({ actor: { type: 'string' }, category: { type: 'string' } }),
    },
    casualties: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...party,
          category: { type: 'string' },
          civilian: { type: 'boolean' },
          increments: { ...estimateSum({}), nullable: true },
          cumulative: {
            type: 'object',
            nullable: true,
            description: 'Each source’s current running total and their headline',
          },
        },
      },
    },
    ceasefireViolations: {
      type: 'object',
      properties: { last24h: violationWindow, last7d: violationWindow },
    },
    sanctionDemands: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          demandingParty: { type: 'string' },
          active: integer,
          recent: { type: 'array', items: { type: 'object' } },
        },
      },
    },
    openAlerts: integer,
  },
};

export const REPORT_PAGE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: {
      type: 'array',
      items: { $ref: `#/components/schemas/${CONTRACT_SCHEMA_NAMES.storedReport}` },
    },
    nextCursor: {
      type: 'string',
      nullable: true,
      description: 'Pass as cursor for the next page; null on the last page',
    },
  },
};

export const SERIES_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['measure', 'interval', 'by', 'buckets'],
  properties: {
    measure: { type: 'string', enum: ['casualties', 'violations', 'personnel'] },
    interval: { type: 'string', enum: ['day', 'week', 'month'] },
    by: { type: 'string', enum: ['party', 'category', 'accused', 'actor'] },
    buckets: {
      type: 'array',
      description: 'Every bucket from the first to the last, oldest first; empty ones too',
      items: {
        type: 'object',
        required: ['start', 'values'],
        properties: {
          start: { ...dateTime, description: 'The bucket’s first instant (UTC)' },
          values: {
            type: 'object',
            description:
              'By key (party, category, accused party or actor): the change in the bucket (best estimates)',
            additionalProperties: integer,
            example: { RU: 12, UA: 7 },
          },
        },
      },
    },
  },
};

/** The geo+json export: a FeatureCollection of the located reports. */
export const REPORT_FEATURE_COLLECTION_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'features'],
  properties: {
    type: { type: 'string', enum: ['FeatureCollection'] },
    features: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'id', 'geometry', 'properties'],
        properties: {
          type: { type: 'string', enum: ['Feature'] },
          id: { type: 'string', description: 'The reportId' },
          geometry: {
            type: 'object',
            properties: {
              type: { type: 'string', enum: ['Point'] },
              coordinates: {
                type: 'array',
                items: { type: 'number' },
                minItems: 2,
                maxItems: 2,
                description: '[lon, lat] (WGS 84)',
              },
            },
          },
          properties: {
            description:
              'The report as in the JSON list (location with its precision), and version',
            allOf: [{ $ref: `#/components/schemas/${CONTRACT_SCHEMA_NAMES.storedReport}` }],
          },
        },
      },
    },
  },
};

/** The text/csv export (columns in README.md, "Exports"). */
export const REPORT_CSV_SCHEMA: SchemaObject = {
  type: 'string',
  description:
    'RFC 4180 CSV, UTF-8 with a byte order mark, CRLF line ends, a header row; one row per report',
};
