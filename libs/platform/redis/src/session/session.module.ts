import { Module, type DynamicModule } from '@nestjs/common';
import { ErrorMapper, JSON_LOGGER, type JsonLogger } from '@dsp/service-defaults';
import { RateLimiter } from '../rate-limiter';
import { RedisConnection } from '../redis-connection';
import { SessionCookie, type SessionCookieOptions } from './session-cookie';
import { SessionGuard } from './session.guard';
import { SessionStore, SessionStoreUnavailableError, type SessionStoreOptions } from './session-store';
import { RedisUnavailableError } from '../redis-unavailable';

export interface SessionModuleOptions {
  store?: Partial<SessionStoreOptions>;
  cookie?: Partial<SessionCookieOptions>;
}

/**
 * Provides the Redis {@link SessionStore}, the {@link SessionCookie} policy, the
 * {@link SessionGuard} and a Redis {@link RateLimiter}, over the process's
 * {@link RedisConnection} (import `RedisModule.forRoot` alongside).
 */
@Module({})
export class SessionModule {
  static forRoot(options: SessionModuleOptions = {}): DynamicModule {
    return {
      module: SessionModule,
      global: true,
      providers: [
        {
          provide: SessionStore,
          inject: [RedisConnection, JSON_LOGGER, ErrorMapper],
          useFactory: (redis: RedisConnection, logger: JsonLogger, errors: ErrorMapper) => {
            errors.register(SessionStoreUnavailableError, 503).register(RedisUnavailableError, 503);
            const store = new SessionStore(() => redis.client, logger, options.store);
            store.start();
            return store;
          },
        },
        { provide: SessionCookie, useValue: new SessionCookie(options.cookie) },
        { provide: RateLimiter, inject: [RedisConnection], useFactory: (redis: RedisConnection) => new RateLimiter(() => redis.client) },
        SessionGuard,
      ],
      exports: [SessionStore, SessionCookie, SessionGuard, RateLimiter],
    };
  }
}
