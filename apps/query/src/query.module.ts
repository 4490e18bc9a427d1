import { Module } from '@nestjs/common';

/** HTTP reads: read models, the event feed, the alerts API and stream, rules and backtest. */
@Module({})
export class QueryModule {}
