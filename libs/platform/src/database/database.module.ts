import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';

export const PG_POOL = Symbol('PG_POOL');

export interface DatabaseModuleOptions {
  url: string;
  poolSize: number;
  applicationName: string;
}

/** One pg pool per process, shared by the event store, read models and health checks. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: PG_POOL,
          useFactory: () => {
            const pool = new Pool({
              connectionString: options.url,
              max: options.poolSize,
              application_name: options.applicationName,
            });
            // An idle client losing its connection must not crash the process; the pool
            // replaces it on the next checkout.
            pool.on('error', () => undefined);
            // A checked-out client has no listener of the pool's: one whose backend is
            // terminated between two statements (an administrator, a failover, the server
            // restarting) would emit an unhandled 'error' and end the process. Its holder
            // sees the failure on its next statement instead, and the pool drops it.
            pool.on('connect', (client) => {
              client.on('error', () => undefined);
            });
            return pool;
          },
        },
      ],
      exports: [PG_POOL],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
