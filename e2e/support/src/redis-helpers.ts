import { REDIS_IDENTITIES, REDIS_PORT, type ServiceName } from '@dsp/contracts';
import { RedisConnection } from '@dsp/redis';
import { testLogger } from './test-logger';

/**
 * A Redis connection (not started) as the operator, or as a service's own
 * ACL user: the default user is off (docs/adr/0010), so a test always says who it is.
 */
export function redisAs(connectionName: string, who: ServiceName | 'operator' = 'operator'): RedisConnection {
  const id = REDIS_IDENTITIES[who];
  return new RedisConnection(
    { url: `redis://127.0.0.1:${REDIS_PORT}`, username: id.user, password: id.password, connectionName },
    testLogger(),
  );
}
