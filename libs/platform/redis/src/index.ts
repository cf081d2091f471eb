export { RateLimiter, type RateLimitResult } from './rate-limiter';
export { DEFAULT_REDIS_CONNECTION_OPTIONS, RedisConnection, type RedisConnectionOptions } from './redis-connection';
export { REDIS_ENV_SCHEMA, redisIdentityOf, RedisModule } from './redis.module';
export { DEFAULT_SESSION_COOKIE_OPTIONS, SessionCookie, type CookieRequest, type SessionCookieOptions } from './session/session-cookie';
export {
  DEFAULT_SESSION_STORE_OPTIONS,
  SessionStore,
  SessionStoreUnavailableError,
  type NewSession,
  type SessionPatch,
  type SessionRecord,
  type SessionStoreOptions,
} from './session/session-store';
export { CurrentReadPositions, CurrentSession, SessionGuard } from './session/session.guard';
export { ReadPositions, type RecordedWrite } from './session/read-positions';
export { SessionModule, type SessionModuleOptions } from './session/session.module';
export { RateGate } from './rate-gate';
export { LuaScript } from './lua-script';
export { DEFAULT_REDIS_MUTEX_OPTIONS, RedisLease, RedisMutex, type RedisMutexOptions } from './lock/redis-mutex';
export { RedisLockWakeups } from './lock/redis-lock-wakeups';
export { redisCall, RedisUnavailableError } from './redis-unavailable';
