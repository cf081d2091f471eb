import { Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, JSON_LOGGER, type JsonLogger } from '@dsp/service-defaults';
import type { MysqlEndpoint } from './mysql-endpoint';
import { MysqlPool, type MysqlPoolOptions } from './mysql-pool';

/** Every pool of a service, by endpoint label. */
export class MysqlPools {
  private readonly pools = new Map<string, MysqlPool>();

  constructor(endpoints: readonly MysqlEndpoint[], logger: JsonLogger, options: Partial<MysqlPoolOptions>) {
    for (const e of endpoints) {
      if (this.pools.has(e.label)) throw new Error(`duplicate MySQL endpoint label "${e.label}"`);
      this.pools.set(e.label, new MysqlPool(e, logger, options));
    }
  }

  get(label: string): MysqlPool {
    const p = this.pools.get(label);
    if (!p) throw new Error(`no MySQL endpoint "${label}"; known: ${[...this.pools.keys()].join(', ')}`);
    return p;
  }

  all(): MysqlPool[] {
    return [...this.pools.values()];
  }
}

@Injectable()
class MysqlLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly pools: MysqlPools,
    private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    for (const p of this.pools.all()) {
      p.start();
      this.health.register(p.healthCheck());
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.pools.all().map((p) => p.close()));
  }
}

/** Provides a pool per MySQL endpoint, closed on shutdown, each with a readiness check. */
@Module({})
export class MysqlModule {
  static forRoot(endpoints: readonly MysqlEndpoint[], options: Partial<MysqlPoolOptions> = {}): DynamicModule {
    return {
      module: MysqlModule,
      global: true,
      providers: [
        { provide: MysqlPools, inject: [JSON_LOGGER], useFactory: (logger: JsonLogger) => new MysqlPools(endpoints, logger, options) },
        {
          provide: MysqlLifecycle,
          inject: [MysqlPools, HealthRegistry],
          useFactory: (p: MysqlPools, h: HealthRegistry) => new MysqlLifecycle(p, h),
        },
      ],
      exports: [MysqlPools],
    };
  }
}
