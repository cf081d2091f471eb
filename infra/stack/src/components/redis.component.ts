import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDIS_IDENTITIES, REDIS_SERVICE_COMMANDS, type RedisIdentity } from '@dsp/contracts';
import { redisPing } from '../net';
import { run, runningPid, startDaemon, stopDaemon, waitFor } from '../proc';
import { REDIS, STACK_DIR } from '../topology';
import type { ServerStatus, StackComponent } from './component';

const DAEMON = 'redis';

/**
 * The ACL file of the identities table: `default` off (an unauthenticated
 * connection can run nothing, see below for why it keeps its rights), each service limited to its key spaces and
 * channels, the operator allowed everything. Passwords are stored as SHA-256.
 */
export function redisAclLines(identities: Record<string, RedisIdentity> = REDIS_IDENTITIES): string[] {
  // `default` is off (no connection can be it) and has no password, but keeps every right: Redis
  // 7.0 replays the AOF as the default user and re-checks ACLs at each EXEC, so a default without
  // rights silently drops every script's writes on restart (redis/redis#14541, fixed after 7.0).
  const lines = ['user default off resetpass ~* &* +@all'];
  for (const id of Object.values(identities)) {
    const all = id.keys.includes('*');
    const rights = all
      ? '~* &* +@all'
      : [...id.keys.map((k) => `~${k}`), ...id.channels.map((c) => `&${c}`), id.commands ?? REDIS_SERVICE_COMMANDS].join(' ');
    lines.push(`user ${id.user} reset on #${createHash('sha256').update(id.password).digest('hex')} ${rights}`);
  }
  return lines;
}

/** Writes `.stack/redis/users.acl` from the identities table (on every `up` and `provision`: the table is the truth, not the file). */
export function writeRedisAclFile(): void {
  const dir = join(STACK_DIR, 'redis');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'users.acl'), `${redisAclLines().join('\n')}\n`, { mode: 0o600 });
}

/**
 * One Redis server with AOF persistence (`appendfsync everysec`): an acknowledged
 * write survives a process kill. Every connection must authenticate as one of
 * `REDIS_IDENTITIES` (docs/adr/0010).
 */
export class RedisComponent implements StackComponent {
  readonly name = 'redis';
  readonly daemons = [DAEMON];

  async prepare(): Promise<void> {
    writeRedisAclFile();
  }

  async start(): Promise<void> {
    const dir = join(STACK_DIR, 'redis');
    startDaemon({
      name: DAEMON,
      command: 'redis-server',
      args: [
        '--port',
        String(REDIS.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--aclfile',
        join(dir, 'users.acl'),
        '--daemonize',
        'no',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--maxmemory',
        '512mb',
        '--maxmemory-policy',
        'noeviction',
      ],
      // Redis rewrites its process title to `redis-server 127.0.0.1:<port>`; the port is in both forms.
      marker: String(REDIS.port),
    });
  }

  async waitReady(timeoutMs: number): Promise<string> {
    await waitFor(`Redis (:${REDIS.port})`, async () => ((await redisPing(REDIS.port)) ? true : undefined), {
      timeoutMs,
      daemon: DAEMON,
    });
    // A server that was already running loads the file `prepare` just wrote: `stack up` applies the table
    // to a running stack too (a service added since, or one removed), as it does on ZooKeeper, Kafka and MariaDB.
    const op = REDIS_IDENTITIES.operator;
    const { stdout } = await run(
      'redis-cli',
      ['-p', String(REDIS.port), '--user', op.user, '--pass', op.password, '--no-auth-warning', 'ACL', 'LOAD'],
      { timeoutMs: 10_000 },
    );
    if (stdout.trim() !== 'OK') throw new Error(`Redis refused its ACL file (${join(STACK_DIR, 'redis', 'users.acl')}): ${stdout.trim()}`);
    return `PONG, appendonly yes, ${Object.keys(REDIS_IDENTITIES).length} ACL users`;
  }

  async stop(): Promise<void> {
    await stopDaemon(DAEMON, 10_000);
  }

  async status(): Promise<ServerStatus[]> {
    const up = await redisPing(REDIS.port);
    return [{ server: DAEMON, port: REDIS.port, pid: runningPid(DAEMON), role: 'primary (AOF)', health: up ? 'up' : 'down', detail: '' }];
  }
}
