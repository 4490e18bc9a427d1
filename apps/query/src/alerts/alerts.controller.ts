import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Provenance, RequestProvenance, RequiresRole } from '@cm/platform';
import { QueryParamsPipe } from '../http/query-params.pipe';
import { AlertListQueryDto } from './alert-query.dto';
import { ALERT_VIEW_SCHEMA } from './alert-view.schema';
import { AlertsService } from './alerts.service';

const problem = { description: 'problem+json (RFC 9457)' };
const noteBody = {
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { note: { type: 'string', maxLength: 2000, description: 'Why, for the record' } },
  },
  required: false,
};

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @RequiresRole('read')
  @ApiOperation({
    summary: 'Alerts, newest raised first',
    description: 'Filters combine with AND. Pages by an opaque keyset cursor (nextCursor).',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        items: { type: 'array', items: ALERT_VIEW_SCHEMA },
        nextCursor: { type: 'string', nullable: true },
      },
    },
  })
  @ApiResponse({ status: 400, ...problem })
  list(@Query(QueryParamsPipe) query: AlertListQueryDto) {
    return this.alerts.list(query);
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'One alert' })
  @ApiParam({ name: 'id', description: 'alertId (a UUID)' })
  @ApiOkResponse({ schema: ALERT_VIEW_SCHEMA })
  @ApiResponse({ status: 404, ...problem })
  get(@Param('id') id: string) {
    return this.alerts.get(id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @RequiresRole('read')
  @ApiOperation({
    summary: 'Acknowledge an open alert',
    description:
      'open -> acknowledged. More evidence later does not reopen it; the engine may still resolve it.',
  })
  @ApiParam({ name: 'id', description: 'alertId (a UUID)' })
  @ApiBody(noteBody)
  @ApiOkResponse({ schema: ALERT_VIEW_SCHEMA })
  @ApiResponse({ status: 400, ...problem })
  @ApiResponse({ status: 404, ...problem })
  @ApiResponse({ status: 409, description: 'The alert is already acknowledged or resolved' })
  acknowledge(
    @Param('id') id: string,
    @Body() body: unknown,
    @RequestProvenance() provenance: Provenance,
  ) {
    return this.alerts.act(id, 'acknowledge', body, provenance.recordedBy);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @RequiresRole('read')
  @ApiOperation({
    summary: 'Resolve an open or acknowledged alert',
    description: 'Final: the engine never reopens it, and its own resolve is then a no-op.',
  })
  @ApiParam({ name: 'id', description: 'alertId (a UUID)' })
  @ApiBody(noteBody)
  @ApiOkResponse({ schema: ALERT_VIEW_SCHEMA })
  @ApiResponse({ status: 400, ...problem })
  @ApiResponse({ status: 404, ...problem })
  @ApiResponse({ status: 409, description: 'The alert is already resolved' })
  resolve(
    @Param('id') id: string,
    @Body() body: unknown,
    @RequestProvenance() provenance: Provenance,
  ) {
    return this.alerts.act(id, 'resolve', body, provenance.recordedBy);
  }
}
