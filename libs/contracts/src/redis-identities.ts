import { withLocalPassword } from './local-secrets';
import { SERVICE_NAMES, type ServiceName } from './service-instance';

/**
 * A Redis ACL user: who it is and the key spaces and channels it may touch.
 * Commands are the same for every service identity ({@link REDIS_SERVICE_COMMANDS}):
 * the key patterns are what separates them.
 */
export interface RedisIdentity {
  user: string;
  password: string;
  /** Key patterns (`~pattern`) the user may read and write. */
  keys: readonly string[];
  /** Pub/sub channel patterns (`&pattern`) the user may publish or subscribe to (PSUBSCRIBE: the literal pattern). */
  channels: readonly string[];
  /** Its commands, where not {@link REDIS_SERVICE_COMMANDS} (the console's: `INFO` only). */
  commands?: string;
}

/**
 * Commands every service identity gets: reads, writes and scripts on its own
 * keys, `TIME` (scripts read the server clock), connection handshakes (`HELLO`, `CLIENT SETNAME`, ioredis' `INFO`
 * ready check); never the dangerous ones (`FLUSHALL`, `CONFIG`, `KEYS`,
 * `DEBUG`, `ACL`, `SHUTDOWN`, ...) nor key enumeration (`SCAN`, `RANDOMKEY`).
 */
export const REDIS_SERVICE_COMMANDS =
  '-@all +@read +@write +@scripting +@connection +@transaction +@pubsub -@dangerous +info +time -scan -randomkey';

/**
 * Who talks to Redis, each as its own ACL user. The passwords are the loopback
 * stack's, generated per stack (`localSecret('redis/<user>')`; services read `REDIS_USER` / `REDIS_PASSWORD`;
 * `PLATFORM_PROFILE=production` refuses a missing `REDIS_PASSWORD`). Redis'
 * `default` user is disabled: an unauthenticated connection can run nothing.
 *
 * - sessions (`dsp:sess:*`) are read and touched by every service (the guard
 *   slides the idle expiry and records read positions); only user-service
 *   creates them and keeps each user's index (`dsp:user-sess:*`);
 * - each service owns its rate-limit keys (`dsp:rl:<what>:*`);
 * - order-service owns locks (`dsp:lock:*`, their release channels),
 *   flash-sale stock (`dsp:fs:*`), the order intake gate (`dsp:gate:*`) and its tickets (`dsp:ticket:*`);
 * - `operator` may do everything: the stack manager, tests, benches, people with redis-cli.
 */
export const REDIS_IDENTITIES: Record<ServiceName | 'console' | 'operator', RedisIdentity> = {
  [SERVICE_NAMES.gateway]: withLocalPassword('redis', {
    user: 'gateway',
    keys: ['dsp:sess:*', 'dsp:rl:login:ip:*'],
    channels: [],
  }),
  [SERVICE_NAMES.user]: withLocalPassword('redis', {
    user: 'user-service',
    keys: ['dsp:sess:*', 'dsp:user-sess:*', 'dsp:rl:register:*', 'dsp:rl:login:account:*'],
    channels: [],
  }),
  [SERVICE_NAMES.order]: withLocalPassword('redis', {
    user: 'order-service',
    keys: ['dsp:sess:*', 'dsp:lock:*', 'dsp:fs:*', 'dsp:gate:*', 'dsp:ticket:*'],
    channels: ['dsp:lock:*:released'],
  }),
  // @dsp/workspace:service redis-identities
  /** The console: server state through `INFO` (memory, AOF, clients, keyspace counts); no key, no channel. */
  console: withLocalPassword('redis', { user: 'dsp-console', keys: [], channels: [], commands: '-@all +info +ping' }),
  operator: withLocalPassword('redis', { user: 'dsp-operator', keys: ['*'], channels: ['*'] }),
};
