import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IntegerParam } from '../http/query-params.decorators';

export const EVENT_FEED_LIMIT = { min: 1, max: 1000, default: 100 } as const;

export class EventFeedQueryDto {
  @ApiPropertyOptional({
    description:
      'The nextPosition of the page before (0, the default, is the start). It must be the position of a stored event.',
    minimum: 0,
    default: 0,
    type: 'integer',
  })
  @IsOptional()
  @IntegerParam(0, Number.MAX_SAFE_INTEGER)
  after?: number;

  @ApiPropertyOptional({
    description: 'Page size',
    minimum: EVENT_FEED_LIMIT.min,
    maximum: EVENT_FEED_LIMIT.max,
    default: EVENT_FEED_LIMIT.default,
    type: 'integer',
  })
  @IsOptional()
  @IntegerParam(EVENT_FEED_LIMIT.min, EVENT_FEED_LIMIT.max)
  limit?: number;
}
