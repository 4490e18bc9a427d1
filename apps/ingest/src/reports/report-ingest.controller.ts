import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Provenance, RequestProvenance, RequiresRole } from '@cm/platform';
import { ReportIngestService } from './report-ingest.service';
import {
  BATCH_RESULTS_SCHEMA,
  NEW_VERSION_SCHEMA,
  RECEIPT_SCHEMA,
  REPORT_VIEW_SCHEMA,
} from './response-schemas';

const problem = { description: 'problem+json (RFC 9457)' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportIngestController {
  constructor(private readonly reports: ReportIngestService) {}

  @Post()
  @RequiresRole('ingest')
  @ApiOperation({
    summary: 'File a report',
    description: 'Idempotent by reportId: the same body again answers 200 with the same receipt.',
  })
  @ApiBody({ schema: ref('ReportDto') })
  @ApiResponse({ status: 201, description: 'Filed', schema: RECEIPT_SCHEMA })
  @ApiResponse({
    status: 200,
    description: 'A duplicate of a report already filed: the same receipt',
    schema: RECEIPT_SCHEMA,
  })
  @ApiResponse({ status: 400, ...problem })
  @ApiResponse({ status: 409, description: 'Same reportId, other content' })
  @ApiResponse({ status: 413, description: 'Body over 1 MB' })
  async file(
    @Body() body: unknown,
    @RequestProvenance() provenance: Provenance,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { receipt, duplicate } = await this.reports.file(body, provenance);
    void reply.status(duplicate ? 200 : 201);
    return receipt;
  }

  @Post('batch')
  @HttpCode(200)
  @RequiresRole('ingest')
  @ApiOperation({
    summary: 'File up to 1000 reports',
    description:
      'Each item is answered on its own (created, duplicate, conflict or invalid); the valid ones are stored in one transaction. 400 only when the envelope itself is malformed.',
  })
  @ApiBody({ schema: ref('BatchEnvelopeDto') })
  @ApiResponse({ status: 200, description: 'One result per item', schema: BATCH_RESULTS_SCHEMA })
  @ApiResponse({ status: 400, ...problem })
  fileBatch(@Body() body: unknown, @RequestProvenance() provenance: Provenance) {
    return this.reports.fileBatch(body, provenance);
  }

  @Post(':id/corrections')
  @RequiresRole('ingest')
  @ApiOperation({ summary: 'Correct a report’s details (and occurredAt) at a known version' })
  @ApiParam({ name: 'id', description: 'reportId' })
  @ApiBody({ schema: ref('CorrectionDto') })
  @ApiResponse({ status: 201, description: 'The new version', schema: NEW_VERSION_SCHEMA })
  @ApiResponse({ status: 404, ...problem })
  @ApiResponse({ status: 409, description: 'Stale expectedVersion, or the report is retracted' })
  correct(
    @Param('id') id: string,
    @Body() body: unknown,
    @RequestProvenance() provenance: Provenance,
  ) {
    return this.reports.correct(id, body, provenance);
  }

  @Post(':id/retraction')
  @RequiresRole('ingest')
  @ApiOperation({ summary: 'Retract a report' })
  @ApiParam({ name: 'id', description: 'reportId' })
  @ApiBody({ schema: ref('RetractionDto') })
  @ApiResponse({ status: 201, description: 'The new version', schema: NEW_VERSION_SCHEMA })
  @ApiResponse({ status: 404, ...problem })
  @ApiResponse({ status: 409, description: 'Already retracted, or stale expectedVersion' })
  retract(
    @Param('id') id: string,
    @Body() body: unknown,
    @RequestProvenance() provenance: Provenance,
  ) {
    return this.reports.retract(id, body, provenance);
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'A report’s current state, version, retraction and event history' })
  @ApiParam({ name: 'id', description: 'reportId' })
  @ApiResponse({
    status: 200,
    description:
      'The report; each history entry names the key that stored it (recordedBy) and the request (requestId)',
    schema: REPORT_VIEW_SCHEMA,
  })
  @ApiResponse({ status: 404, ...problem })
  get(@Param('id') id: string) {
    return this.reports.get(id);
  }
}
