import type { ApiResponseSchemaHost } from '@nestjs/swagger';

type SchemaObject = ApiResponseSchemaHost['schema'];

/** OpenAPI schema of the alert JSON (docs/API.md's fields, then the lifecycle's). */
export const ALERT_VIEW_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'alertId',
    'rule',
    'theatre',
    'severity',
    'status',
    'summary',
    'windowStart',
    'windowEnd',
    'raisedAt',
    'evidence',
    'updatedAt',
  ],
  properties: {
    alertId: { type: 'string', format: 'uuid' },
    rule: { type: 'string', example: 'ceasefire-breakdown' },
    theatre: { type: 'string', example: 'russia-ukraine' },
    severity: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] },
    status: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] },
    summary: { type: 'string' },
    windowStart: {
      type: 'string',
      format: 'date-time',
      description: 'Earliest evidence (event time)',
    },
    windowEnd: { type: 'string', format: 'date-time', description: 'Latest evidence (event time)' },
    raisedAt: {
      type: 'string',
      format: 'date-time',
      description: 'Recorded time of the raising event',
    },
    evidence: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          reportId: { type: 'string' },
          type: { type: 'string' },
          occurredAt: { type: 'string', format: 'date-time' },
        },
      },
    },
    acknowledgement: {
      type: 'object',
      description: 'Present once acknowledged',
      properties: {
        at: { type: 'string', format: 'date-time' },
        note: { type: 'string', nullable: true },
        recordedBy: { type: 'string', description: 'The name of the API key that acknowledged' },
      },
    },
    resolution: {
      type: 'object',
      description:
        'Present once resolved: by a user, or by the engine when the evidence fell below the rule',
      properties: {
        at: { type: 'string', format: 'date-time' },
        by: { type: 'string', enum: ['user', 'engine'] },
        note: { type: 'string', nullable: true },
        recordedBy: {
          type: 'string',
          description: 'The name of the API key that resolved (a user’s resolve only)',
        },
      },
    },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
