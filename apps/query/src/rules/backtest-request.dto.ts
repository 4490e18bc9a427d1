import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsOptional, Matches, ValidateBy } from 'class-validator';
import {
  EARLIEST_INSTANT,
  parseIsoDateTime,
  parseStorableDateTime,
  SLUG_PATTERN,
} from '@cm/contracts';

const DATE_TIME_MESSAGE = 'must be an RFC 3339 date-time such as 2025-03-01T00:00:00Z';
const RANGE_MESSAGE = `must be an RFC 3339 date-time from ${EARLIEST_INSTANT} on`;

/**
 * RFC 3339, as every date of the contract (the contracts' own parser, not Date.parse), and
 * not before 1900 (year 0 is no PostgreSQL timestamp).
 */
const DateTime = (): PropertyDecorator =>
  ValidateBy({
    name: 'isRfc3339DateTime',
    validator: {
      validate: (value: unknown) => parseStorableDateTime(value) !== undefined,
      defaultMessage: (args) =>
        parseIsoDateTime(args?.value) === undefined ? DATE_TIME_MESSAGE : RANGE_MESSAGE,
    },
  });

/** `POST /v1/rules/backtest`: which rules, over which part of the stored history. */
export class BacktestRequestDto {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description:
      'Rules to run, in the format of the rule files (docs/RULES.md), as JSON. Absent: the active rules (GET /v1/rules). Each is validated; errors name the field, e.g. rules.0.window.duration.',
  })
  @IsOptional()
  @ArrayNotEmpty({ message: 'must hold at least one rule; leave it out to run the active rules' })
  // class-validator runs a field's rules bottom-up: the list check first.
  @IsArray({ message: 'must be a list of rules' })
  rules?: unknown[];

  @ApiPropertyOptional({
    pattern: SLUG_PATTERN.source,
    example: 'russia-ukraine',
    description: 'Only this theatre’s reports are replayed.',
  })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'must be a slug of [a-z0-9-], 2-64 chars' })
  theatre?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Only alerts whose evidence window (windowStart..windowEnd, event time) ends at or after this.',
  })
  @IsOptional()
  @DateTime()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only alerts whose evidence window starts at or before this.',
  })
  @IsOptional()
  @DateTime()
  to?: string;
}
