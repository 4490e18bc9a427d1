import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { parseIsoDateTime } from '@cm/contracts';
import type { FieldProblem } from '@cm/platform';
import type { CrossFieldRules } from './query-params.pipe';
import { IntegerParam, IsIsoDateTimeParam, toDate } from './query-params.decorators';

export const LIST_LIMIT = { min: 1, max: 500, default: 100 } as const;

/** Actors and parties: ISO 3166-1 alpha-2 codes for states (`RU`), slugs for others. */
const PARTY_PATTERN = /^(?:[A-Z]{2}|[a-z0-9-]{2,64})$/;
const PARTY_MESSAGE =
  'must be an ISO 3166-1 alpha-2 code (e.g. RU) or a slug of a-z, 0-9 and "-" (e.g. wagner-group)';

/**
 * The parameters every list of a theatre takes: an occurredAt window `[from, to)`, a page
 * size and the cursor of the page before.
 */
export class ListQueryDto implements CrossFieldRules {
  @ApiPropertyOptional({
    description: 'Only reports that occurred at or after this instant (RFC 3339)',
    example: '2026-03-01T00:00:00Z',
    format: 'date-time',
  })
  @IsOptional()
  @IsIsoDateTimeParam()
  from?: string;

  @ApiPropertyOptional({
    description: 'Only reports that occurred before this instant (RFC 3339); not before from',
    example: '2026-04-01T00:00:00Z',
    format: 'date-time',
  })
  @IsOptional()
  @IsIsoDateTimeParam()
  to?: string;

  @ApiPropertyOptional({
    description: 'Page size',
    minimum: LIST_LIMIT.min,
    maximum: LIST_LIMIT.max,
    default: LIST_LIMIT.default,
    type: 'integer',
  })
  @IsOptional()
  @IntegerParam(LIST_LIMIT.min, LIST_LIMIT.max)
  limit?: number;

  @ApiPropertyOptional({
    description: 'nextCursor of the page before; opaque. Keep the same filters along a cursor.',
  })
  @IsOptional()
  @IsString({ message: 'must be given once, as the nextCursor of the page before' })
  cursor?: string;

  crossFieldProblems(): FieldProblem[] {
    if (this.from === undefined || this.to === undefined) return [];
    return parseIsoDateTime(this.from)! > parseIsoDateTime(this.to)!
      ? [{ path: 'to', message: 'must not be before from' }]
      : [];
  }

  get fromDate(): Date | undefined {
    return toDate(this.from);
  }

  get toDate(): Date | undefined {
    return toDate(this.to);
  }

  get pageSize(): number {
    return this.limit ?? LIST_LIMIT.default;
  }
}

export class ActorListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'Only reports of this actor’s forces', example: 'RU' })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @Matches(PARTY_PATTERN, { message: PARTY_MESSAGE })
  actor?: string;
}

export class PartyListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'Only reports naming this party', example: 'UA' })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @Matches(PARTY_PATTERN, { message: PARTY_MESSAGE })
  party?: string;
}
