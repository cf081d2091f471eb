import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { redisPing } from '../net';
import { runningPid, startDaemon, stopDaemon, waitFor } from '../proc';
import { REDIS, STACK_DIR } from '../topology';
import type { ServerStatus, StackComponent } from './component';

const DAEMON = 'redis';

/** One Redis server with AOF persistence (`appendfsync everysec`): an acknowledged write survives a process kill. */
export class RedisComponent implements StackComponent {
  readonly name = 'redis';
  readonly daemons = [DAEMON];

  async prepare(): Promise<void> {
    mkdirSync(join(STACK_DIR, 'redis'), { recursive: true });
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
    return 'PONG, appendonly yes';
  }

  async stop(): Promise<void> {
    await stopDaemon(DAEMON, 10_000);
  }

  async status(): Promise<ServerStatus[]> {
    const up = await redisPing(REDIS.port);
    return [{ server: DAEMON, port: REDIS.port, pid: runningPid(DAEMON), role: 'primary (AOF)', health: up ? 'up' : 'down', detail: '' }];
  }
}
