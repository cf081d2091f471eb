import { Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { REDIS_PORT } from '@dsp/contracts';
import { HealthRegistry, JSON_LOGGER, type JsonLogger } from '@dsp/service-defaults';
import { RedisConnection, type RedisConnectionOptions } from './redis-connection';

/** Environment variables of a service that uses Redis. */
export const REDIS_ENV_SCHEMA = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'expected redis://host:port')
    .default(`redis://127.0.0.1:${REDIS_PORT}`),
});

const REDIS_OPTIONS = Symbol('REDIS_OPTIONS');

@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly redis: RedisConnection,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
  ) {}

  onModuleInit(): void {
    this.health.register(this.redis.healthCheck());
    // Do not block boot on Redis: readiness reports it until it answers.
    this.redis
      .start()
      .catch((e: unknown) => this.logger.warn({ component: 'redis', err: (e as Error).message }, 'redis not reachable yet'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.close();
  }
}

/** Provides one {@link RedisConnection} per process, closed on shutdown, with a readiness check. */
@Module({})
export class RedisModule {
  static forRoot(options: Partial<RedisConnectionOptions>): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        { provide: REDIS_OPTIONS, useValue: options },
        {
          provide: RedisConnection,
          inject: [REDIS_OPTIONS, JSON_LOGGER],
          useFactory: (opts: Partial<RedisConnectionOptions>, logger: JsonLogger) => new RedisConnection(opts, logger),
        },
        {
          provide: RedisLifecycle,
          inject: [RedisConnection, HealthRegistry, JSON_LOGGER],
          useFactory: (r: RedisConnection, h: HealthRegistry, l: JsonLogger) => new RedisLifecycle(r, h, l),
        },
      ],
      exports: [RedisConnection],
    };
  }
}
