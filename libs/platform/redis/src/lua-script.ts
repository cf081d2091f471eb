import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { redisCall } from './redis-unavailable';

/**
 * A Lua script run by its SHA-1 (`EVALSHA`), loaded with `EVAL` the first time
 * a server answers `NOSCRIPT` (after a restart, for instance). The script body
 * travels once per server, not once per call. A Redis that cannot be reached is
 * a `RedisUnavailableError` (503); the script's own errors pass through.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return redisCall(
      (async () => {
        try {
          return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
        } catch (e) {
          if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
          return redis.eval(this.source, keys.length, ...keys, ...args);
        }
      })(),
    );
  }
}
