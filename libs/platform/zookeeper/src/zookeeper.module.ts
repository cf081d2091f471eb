import { Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { DEFAULT_ZK_CONNECT } from '@dsp/contracts';
import { HealthRegistry, JSON_LOGGER, millis, type JsonLogger } from '@dsp/service-defaults';
import { ZookeeperClient, type ZookeeperClientOptions } from './zookeeper-client';

/** Environment variables of a service that uses ZooKeeper. */
export const ZOOKEEPER_ENV_SCHEMA = z.object({
  /** ZooKeeper connect string (voters; point "remote" zone clients at the observer). */
  ZK_CONNECT: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]')
    .default(DEFAULT_ZK_CONNECT),
  /** Requested session timeout. */
  ZK_SESSION_TIMEOUT_MS: millis().default(6000),
});

const ZK_OPTIONS = Symbol('ZK_OPTIONS');

@Injectable()
class ZookeeperLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly client: ZookeeperClient,
    private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.client.start();
    this.health.register(this.client.healthCheck());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/** Provides one started {@link ZookeeperClient} per process, closed on shutdown, with a readiness check. */
@Module({})
export class ZookeeperModule {
  static forRoot(options: Partial<ZookeeperClientOptions>): DynamicModule {
    return {
      module: ZookeeperModule,
      global: true,
      providers: [
        { provide: ZK_OPTIONS, useValue: options },
        {
          provide: ZookeeperClient,
          inject: [ZK_OPTIONS, JSON_LOGGER],
          useFactory: (opts: Partial<ZookeeperClientOptions>, logger: JsonLogger) => new ZookeeperClient(opts, logger),
        },
        {
          provide: ZookeeperLifecycle,
          inject: [ZookeeperClient, HealthRegistry],
          useFactory: (c: ZookeeperClient, h: HealthRegistry) => new ZookeeperLifecycle(c, h),
        },
      ],
      exports: [ZookeeperClient],
    };
  }
}
