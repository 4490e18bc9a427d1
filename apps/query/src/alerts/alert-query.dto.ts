import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { SEVERITIES } from '@cm/escalation';
import { IntegerParam } from '../http/query-params.decorators';

export const ALERT_LIST_LIMIT = { min: 1, max: 500, default: 50 } as const;
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;

const THEATRE_PATTERN = /^[a-z0-9-]{2,64}$/;
const THEATRE_MESSAGE = 'must be a theatre slug of 2-64 characters a-z, 0-9 and "-"';

/** Filters of GET /v1/alerts: newest raised first, by keyset. */
export class AlertListQueryDto {
  @ApiPropertyOptional({ description: 'Only alerts of this theatre', example: 'russia-ukraine' })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @Matches(THEATRE_PATTERN, { message: THEATRE_MESSAGE })
  theatre?: string;

  @ApiPropertyOptional({ enum: ALERT_STATUSES })
  @IsOptional()
  @IsIn(ALERT_STATUSES, { message: `must be one of ${ALERT_STATUSES.join(', ')}` })
  status?: (typeof ALERT_STATUSES)[number];

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES, { message: `must be one of ${SEVERITIES.join(', ')}` })
  severity?: (typeof SEVERITIES)[number];

  @ApiPropertyOptional({
    description: 'Only alerts of this rule id',
    example: 'ceasefire-breakdown',
  })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @MaxLength(100, { message: 'must be at most 100 characters' })
  rule?: string;

  @ApiPropertyOptional({
    description: 'Page size',
    minimum: ALERT_LIST_LIMIT.min,
    maximum: ALERT_LIST_LIMIT.max,
    default: ALERT_LIST_LIMIT.default,
    type: 'integer',
  })
  @IsOptional()
  @IntegerParam(ALERT_LIST_LIMIT.min, ALERT_LIST_LIMIT.max)
  limit?: number;

  @ApiPropertyOptional({
    description: 'nextCursor of the page before; opaque. Keep the same filters along a cursor.',
  })
  @IsOptional()
  @IsString({ message: 'must be given once, as the nextCursor of the page before' })
  cursor?: string;
}

/** GET /v1/alerts/stream. */
export class AlertStreamQueryDto {
  @ApiPropertyOptional({ description: 'Only alerts of this theatre', example: 'russia-ukraine' })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @Matches(THEATRE_PATTERN, { message: THEATRE_MESSAGE })
  theatre?: string;

  @ApiPropertyOptional({
    description:
      'Resume after this event id, as the Last-Event-ID header does (for clients that cannot set headers)',
    example: '42',
  })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @Matches(/^\d{1,15}$/, { message: 'must be an event id of this stream (a whole number)' })
  lastEventId?: string;

  @ApiPropertyOptional({
    description:
      'A token of POST /v1/alerts/stream-tokens, instead of the Authorization header (browsers)',
  })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  token?: string;
}

/** Body of POST /v1/alerts/{id}/acknowledge and /resolve. */
export const ALERT_NOTE_MAX = 2000;
