import type { ApiResponseSchemaHost } from '@nestjs/swagger';
import { CONTRACT_SCHEMA_NAMES } from '@cm/contracts';

type SchemaObject = Exclude<ApiResponseSchemaHost['schema'], { $ref: string }>;

/**
 * OpenAPI schemas of the write side's answers, in the shapes of report-ingest.service.ts
 * (ReportReceipt, BatchItemResult, ReportView). The e2e client checks every answer against
 * the published document, so a field added there and not here fails a test.
 */

const integer: SchemaObject = { type: 'integer' };
const fieldErrors: SchemaObject = {
  type: 'array',
  items: {
    type: 'object',
    required: ['path', 'message'],
    properties: { path: { type: 'string' }, message: { type: 'string' } },
    additionalProperties: false,
  },
};

/** 201 or 200 of POST /v1/reports: `{ reportId, version, position }`. */
export const RECEIPT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['reportId', 'version', 'position'],
  properties: {
    reportId: { type: 'string' },
    version: { ...integer, description: 'The report’s version: 1 for a filing' },
    position: { ...integer, description: 'The event’s position in the store' },
  },
  additionalProperties: false,
};

/** 201 of a correction or retraction: `{ reportId, version }`. */
export const NEW_VERSION_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['reportId', 'version'],
  properties: { reportId: { type: 'string' }, version: integer },
  additionalProperties: false,
};

/** 200 of POST /v1/reports/batch: one result per item, in order. */
export const BATCH_RESULTS_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'reportId', 'status'],
        properties: {
          index: { ...integer, description: 'The item’s index in `reports`' },
          reportId: { type: 'string', nullable: true, description: 'null when the item has none' },
          status: { type: 'string', enum: ['created', 'duplicate', 'conflict', 'invalid'] },
          version: { ...integer, description: 'created and duplicate' },
          position: { ...integer, description: 'created and duplicate' },
          errors: { ...fieldErrors, description: 'conflict and invalid: the fields, by path' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

/** 200 of GET /v1/reports/{id}. */
export const REPORT_VIEW_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'reportId',
    'type',
    'theatre',
    'version',
    'retracted',
    'retractionReason',
    'report',
    'history',
  ],
  properties: {
    reportId: { type: 'string' },
    type: {
      type: 'string',
      enum: ['deployment', 'casualty', 'ceasefire_violation', 'sanction_demand'],
    },
    theatre: { type: 'string' },
    version: integer,
    retracted: { type: 'boolean' },
    retractionReason: { type: 'string', nullable: true },
    report: {
      description: 'The report as it stands: corrections applied',
      allOf: [{ $ref: `#/components/schemas/${CONTRACT_SCHEMA_NAMES.report}` }],
    },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['version', 'type', 'position', 'recordedAt', 'recordedBy', 'requestId', 'data'],
        properties: {
          version: integer,
          type: {
            type: 'string',
            description: 'The event: DeploymentReported, …, ReportCorrected, ReportRetracted',
          },
          position: integer,
          recordedAt: { type: 'string', format: 'date-time' },
          recordedBy: {
            type: 'string',
            nullable: true,
            description: 'The name of the key that stored it; null before names were recorded',
          },
          requestId: {
            type: 'string',
            nullable: true,
            description: 'The x-request-id of the request that stored it',
          },
          data: { type: 'object', description: 'The event’s data' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};
