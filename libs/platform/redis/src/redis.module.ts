import { Module, type DynamicModule } from '@nestjs/common';
import { z } from 'zod';
import { REDIS_IDENTITIES, REDIS_PORT } from '@dsp/contracts';
import {
  ConnectionLifecycle,
  HealthRegistry,
  JSON_LOGGER,
  MetricsRegistry,
  serverIdentity,
  type JsonLogger,
  type ServerCredentials,
} from '@dsp/service-defaults';
import { RedisConnection, type RedisConnectionOptions } from './redis-connection';
import { publishRedisMetrics } from './redis-metrics';

/** Environment variables of a service that uses Redis. */
export const REDIS_ENV_SCHEMA = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'expected redis://host:port')
    .default(`redis://127.0.0.1:${REDIS_PORT}`),
  /**
   * This service's Redis ACL user: it may touch only its own key spaces
   * (docs/security.md). Default: the local stack's user for SERVICE_NAME
   * (`REDIS_IDENTITIES` in contracts).
   */
  REDIS_USER: z.string().min(1).optional(),
  /** Its password; a secret. */
  REDIS_PASSWORD: z.string().min(1).optional(),
});

/** The service's Redis identity: from REDIS_USER / REDIS_PASSWORD, else the local stack's one for its name. */
export function redisIdentityOf(config: {
  SERVICE_NAME: string;
  REDIS_USER?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
}): ServerCredentials {
  return serverIdentity('Redis', 'REDIS', REDIS_IDENTITIES, config);
}

const REDIS_OPTIONS = Symbol('REDIS_OPTIONS');

/** Unique per module: a second platform module must not replace this one's lifecycle. */
const REDIS_LIFECYCLE = Symbol('REDIS_LIFECYCLE');

/** Provides one {@link RedisConnection} per process, closed on shutdown, with a readiness check and `redis_up` / `redis_ping_seconds` metrics. */
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
          inject: [REDIS_OPTIONS, JSON_LOGGER, MetricsRegistry],
          useFactory: (opts: Partial<RedisConnectionOptions>, logger: JsonLogger, metrics: MetricsRegistry) => {
            const connection = new RedisConnection(opts, logger);
            publishRedisMetrics(connection, metrics);
            return connection;
          },
        },
        {
          provide: REDIS_LIFECYCLE,
          inject: [RedisConnection, HealthRegistry, JSON_LOGGER],
          useFactory: (r: RedisConnection, h: HealthRegistry, l: JsonLogger) => new ConnectionLifecycle(r, h, l, 'redis'),
        },
      ],
      exports: [RedisConnection],
    };
  }
}
