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
      items: {
        description: 'The report as it stands (corrections applied) and its version',
        allOf: [
          { $ref: `#/components/schemas/${CONTRACT_SCHEMA_NAMES.report}` },
          { type: 'object', required: ['version'], properties: { version: integer } },
        ],
      },
    },
    nextCursor: {
      type: 'string',
      nullable: true,
      description: 'Pass as cursor for the next page; null on the last page',
    },
  },
};
