import { Global, Module } from '@nestjs/common';
import { PostgresEventStore } from '@cm/event-store';
import { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';

/** Wires the framework-free event store to the process's pool. */
@Global()
@Module({
  providers: [
    {
      provide: PostgresEventStore,
      useFactory: (pool: Pool) => new PostgresEventStore(pool),
      inject: [PG_POOL],
    },
  ],
  exports: [PostgresEventStore],
})
export class EventStoreModule {}
