import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import {
  SERIES_BY_OF_MEASURE,
  SERIES_BYS,
  SERIES_INTERVALS,
  SERIES_MEASURES,
  type SeriesBy,
  type SeriesInterval,
  type SeriesMeasure,
} from '@cm/read-models';
import { parseIsoDateTime } from '@cm/contracts';
import type { FieldProblem } from '@cm/platform';
import type { CrossFieldRules } from '../http/query-params.pipe';
import { IsIsoDateTimeParam, toDate } from '../http/query-params.decorators';

const oneOf = (values: readonly string[]) => ({
  message: `must be one of ${values.join(', ')}`,
});

/** GET /v1/theatres/{t}/series: a measure per bucket of event time. */
export class SeriesQueryDto implements CrossFieldRules {
  @ApiPropertyOptional({
    description: 'What is counted',
    enum: SERIES_MEASURES,
    default: 'casualties',
  })
  @IsOptional()
  @IsIn(SERIES_MEASURES, oneOf(SERIES_MEASURES))
  measure?: SeriesMeasure;

  @ApiPropertyOptional({
    description: 'Bucket width: UTC days, ISO weeks (from Monday 00:00 UTC), months (from the 1st)',
    enum: SERIES_INTERVALS,
    default: 'day',
  })
  @IsOptional()
  @IsIn(SERIES_INTERVALS, oneOf(SERIES_INTERVALS))
  interval?: SeriesInterval;

  @ApiPropertyOptional({
    description:
      'Key of the values: casualties by party (default) or category; violations by accused (party); personnel by actor (default) or party (the side supported: supporting, else the actor)',
    enum: SERIES_BYS,
  })
  @IsOptional()
  @IsIn(SERIES_BYS, oneOf(SERIES_BYS))
  by?: SeriesBy;

  @ApiPropertyOptional({
    description: 'Only what occurred at or after this instant (RFC 3339)',
    format: 'date-time',
  })
  @IsOptional()
  @IsIsoDateTimeParam()
  from?: string;

  @ApiPropertyOptional({
    description: 'Only what occurred before this instant (RFC 3339); not before from',
    format: 'date-time',
  })
  @IsOptional()
  @IsIsoDateTimeParam()
  to?: string;

  @ApiPropertyOptional({
    description:
      'Answer from what had been recorded by this instant (RFC 3339, not in the future), as the overview does',
    format: 'date-time',
  })
  @IsOptional()
  @IsIsoDateTimeParam()
  asOf?: string;

  crossFieldProblems(): FieldProblem[] {
    const problems: FieldProblem[] = [];
    if (this.by !== undefined && !SERIES_BY_OF_MEASURE[this.measureName].includes(this.by)) {
      problems.push({
        path: 'by',
        message: `must be one of ${SERIES_BY_OF_MEASURE[this.measureName].join(', ')} for measure ${this.measureName}`,
      });
    }
    if (
      this.from !== undefined &&
      this.to !== undefined &&
      parseIsoDateTime(this.from)! > parseIsoDateTime(this.to)!
    ) {
      problems.push({ path: 'to', message: 'must not be before from' });
    }
    return problems;
  }

  get measureName(): SeriesMeasure {
    return this.measure ?? 'casualties';
  }

  get intervalName(): SeriesInterval {
    return this.interval ?? 'day';
  }

  get byName(): SeriesBy {
    return this.by ?? SERIES_BY_OF_MEASURE[this.measureName][0];
  }

  get fromDate(): Date | undefined {
    return toDate(this.from);
  }

  get toDate(): Date | undefined {
    return toDate(this.to);
  }

  get asOfDate(): Date | undefined {
    return toDate(this.asOf);
  }
}
