import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsIsoDateTimeParam, toDate } from '../http/query-params.decorators';

export class OverviewQueryDto {
  @ApiPropertyOptional({
    description:
      'Answer from what had been recorded by this instant (RFC 3339, not in the future); its event-time windows end there too',
    example: '2026-03-01T12:00:00Z',
    format: 'date-time',
  })
  @IsOptional()
  @IsIsoDateTimeParam()
  asOf?: string;

  get asOfDate(): Date | undefined {
    return toDate(this.asOf);
  }
}
