export { DEFAULT_REDIS_CONNECTION_OPTIONS, RedisConnection, type RedisConnectionOptions } from './redis-connection';
export { REDIS_ENV_SCHEMA, RedisModule } from './redis.module';
