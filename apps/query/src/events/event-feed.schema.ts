import type { ApiResponseSchemaHost } from '@nestjs/swagger';

type SchemaObject = Exclude<ApiResponseSchemaHost['schema'], { $ref: string }>;

/** OpenAPI shape of GET /v1/events: the Kafka message's fields, per event. */
export const EVENT_FEED_PAGE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['items', 'nextPosition'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'eventId',
          'type',
          'streamId',
          'streamVersion',
          'position',
          'recordedAt',
          'data',
          'metadata',
        ],
        properties: {
          eventId: { type: 'string', format: 'uuid' },
          type: { type: 'string', example: 'DeploymentReported' },
          streamId: { type: 'string', example: 'report-mod-ua-2024-12-02-kp-arrival' },
          streamVersion: { type: 'integer', minimum: 1 },
          position: { type: 'integer', minimum: 1 },
          recordedAt: { type: 'string', format: 'date-time' },
          data: { type: 'object' },
          metadata: { type: 'object' },
        },
      },
    },
    nextPosition: {
      type: 'integer',
      minimum: 0,
      description: 'Pass as after for the next page; the same after when the page is empty',
    },
  },
};
