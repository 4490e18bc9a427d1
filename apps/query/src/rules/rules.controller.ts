import { Body, Controller, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ACTIVE_RULES } from '@cm/alerts';
import type { ActiveRules } from '@cm/alerts';
import type { Rule } from '@cm/escalation';
import { ProblemError, RequiresRole } from '@cm/platform';
import { validateBacktestRequest } from './backtest-request';
import { BacktestRequestDto } from './backtest-request.dto';
import { RuleBacktestService } from './rule-backtest.service';
import type { BacktestResult } from './rule-backtest.service';

const problem = { description: 'problem+json (RFC 9457)' };
const ruleSchema = {
  type: 'object',
  additionalProperties: true,
  description: 'A rule as in the rule files (docs/RULES.md): id, kind, severity, cooldown, ...',
};
const alertSchema = {
  type: 'object',
  description:
    'An alert as docs/API.md shapes it: alertId, rule, theatre, severity, status, summary, windowStart, windowEnd, raisedAt, evidence',
};

@ApiTags('rules')
@ApiBearerAuth()
@Controller('v1/rules')
export class RulesController {
  constructor(
    @Inject(ACTIVE_RULES) private readonly active: ActiveRules,
    private readonly backtests: RuleBacktestService,
  ) {}

  @Get()
  @RequiresRole('read')
  @ApiOperation({
    summary: 'The active rules',
    description: 'The rules of RULES_DIR, as validated at start-up and run by the alerter.',
  })
  @ApiResponse({
    status: 200,
    description: '{ items: rules }',
    schema: { type: 'object', properties: { items: { type: 'array', items: ruleSchema } } },
  })
  list(): { items: readonly Rule[] } {
    return { items: this.active.rules };
  }

  @Post('backtest')
  @HttpCode(200)
  @RequiresRole('read')
  @ApiOperation({
    summary: 'The alerts rules would have raised over the stored history',
    description:
      'Runs the rules in the body (default: the active ones) over the stored reports, in store order, with the alerter’s engine, and answers the alerts they would have raised (resolved ones included). Writes nothing. `theatre` limits the replay to one theatre; `from` and `to` keep the alerts whose evidence window meets them.',
  })
  @ApiBody({ type: BacktestRequestDto, required: false })
  @ApiResponse({
    status: 200,
    description: '{ items: alerts, rules: rule ids, throughPosition }',
    schema: {
      type: 'object',
      properties: {
        items: { type: 'array', items: alertSchema },
        rules: { type: 'array', items: { type: 'string' } },
        throughPosition: {
          type: 'integer',
          description: 'The store’s head when the backtest began; later events are left out.',
        },
      },
    },
  })
  @ApiResponse({ status: 400, ...problem, description: 'Invalid rule or field, with its path' })
  async backtest(
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BacktestResult> {
    const request = validateBacktestRequest(body);
    if (!request.ok) {
      throw ProblemError.validation(request.errors, 'The backtest request is not valid.');
    }
    // A client that goes away stops its backtest (which may take minutes on a large store).
    const abandoned = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) abandoned.abort(clientClosed());
    };
    reply.raw.once('close', onClose);
    try {
      return await this.backtests.run(request.value, abandoned.signal);
    } finally {
      reply.raw.off('close', onClose);
    }
  }
}

/** Not a server failure (nothing to log as one): nginx's 499, the answer no one will read. */
function clientClosed(): ProblemError {
  return new ProblemError(
    499,
    'REQUEST.ABANDONED',
    'Client closed request',
    'The client closed the request before the backtest finished; it was stopped.',
  );
}
