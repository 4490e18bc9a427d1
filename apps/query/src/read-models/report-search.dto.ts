import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { LIMITS, REPORT_TYPES, SLUG_PATTERN, type ReportType } from '@cm/contracts';
import type { FieldProblem } from '@cm/platform';
import { ListQueryDto } from '../http/list-query.dto';
import type { Bbox } from './report-queries';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** `minLon,minLat,maxLon,maxLat` as numbers, or undefined when it is not four plain numbers. */
export function parseBbox(value: unknown): Bbox | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.split(',').map((part) => part.trim());
  if (parts.length !== 4 || !parts.every((part) => NUMBER.test(part))) return undefined;
  const [minLon, minLat, maxLon, maxLat] = parts.map(Number);
  return [minLon, minLat, maxLon, maxLat];
}

/** Problems of a well-formed bbox: ranges and order. */
function bboxProblems([minLon, minLat, maxLon, maxLat]: Bbox): string[] {
  const problems: string[] = [];
  if ([minLon, maxLon].some((lon) => lon < -180 || lon > 180)) {
    problems.push('longitudes must be from -180 to 180');
  }
  if ([minLat, maxLat].some((lat) => lat < -90 || lat > 90)) {
    problems.push('latitudes must be from -90 to 90');
  }
  if (minLon > maxLon) problems.push('minLon must not be greater than maxLon');
  if (minLat > maxLat) problems.push('minLat must not be greater than maxLat');
  return problems;
}

/** GET /v1/reports: the reports of every theatre and type, filtered, newest first. */
export class ReportSearchQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'Only reports of this theatre', example: 'russia-ukraine' })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @Matches(SLUG_PATTERN, { message: 'must be a theatre slug of 2-64 characters a-z, 0-9 and "-"' })
  theatre?: string;

  @ApiPropertyOptional({ description: 'Only reports of this type', enum: REPORT_TYPES })
  @IsOptional()
  @IsIn(REPORT_TYPES, { message: `must be one of ${REPORT_TYPES.join(', ')}` })
  type?: ReportType;

  @ApiPropertyOptional({
    description: 'Only reports whose source.name is exactly this',
    example: 'Ministry of Defence of Ukraine',
  })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @MaxLength(LIMITS.sourceName, {
    message: `must be at most ${LIMITS.sourceName} characters (a source name)`,
  })
  // Any text a source name may hold, line breaks too, but NUL: PostgreSQL text cannot hold it.
  @ValidateBy({
    name: 'hasNoNul',
    validator: {
      validate: (value) => typeof value === 'string' && value.length > 0 && !value.includes('\0'),
      defaultMessage: () => 'must be text without NUL characters',
    },
  })
  source?: string;

  @ApiPropertyOptional({
    description:
      'Only reports located in this box: minLon,minLat,maxLon,maxLat (WGS 84 degrees, bounds included; a box across the antimeridian is two searches)',
    example: '30,46,40,52',
  })
  @IsOptional()
  @IsString({ message: 'must be given once' })
  @ValidateBy({
    name: 'isBbox',
    validator: {
      validate: (value) => parseBbox(value) !== undefined,
      defaultMessage: () => 'must be four numbers: minLon,minLat,maxLon,maxLat',
    },
  })
  bbox?: string;

  override crossFieldProblems(): FieldProblem[] {
    const problems = super.crossFieldProblems();
    const bbox = this.bboxValue;
    if (bbox) {
      problems.push(...bboxProblems(bbox).map((message) => ({ path: 'bbox', message })));
    }
    return problems;
  }

  get bboxValue(): Bbox | undefined {
    return this.bbox === undefined ? undefined : parseBbox(this.bbox);
  }
}
