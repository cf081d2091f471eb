import { REDIS_IDENTITIES, REDIS_PORT, type ServiceName } from '@dsp/contracts';
import { connect } from 'node:net';
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

/**
 * One raw RESP command on a fresh connection that has not authenticated, as
 * redis-cli without a password sends it: Redis' first reply line (`+OK`,
 * `-NOAUTH ...`, `-WRONGPASS ...`). Rejects if Redis does not answer in 2 s.
 */
export function rawRedisCommand(command: string[], port = REDIS_PORT): Promise<string> {
  const payload = `*${command.length}\r\n${command.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Redis on :${port} did not answer ${command[0]} within 2 s`));
    }, 2000);
    socket.on('connect', () => socket.write(payload));
    socket.once('data', (d) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(d.toString().trim());
    });
    socket.on('error', reject);
  });
}
