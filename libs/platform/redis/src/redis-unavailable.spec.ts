import type Redis from 'ioredis';
import { LuaScript } from './lua-script';
import { redisCall, RedisUnavailableError } from './redis-unavailable';

function replyError(message: string): Error {
  const e = new Error(message);
  e.name = 'ReplyError';
  return e;
}

describe('redisCall', () => {
  it('should turn a lost connection into RedisUnavailableError (503), naming the cause', async () => {
    await expect(redisCall(Promise.reject(new Error('Connection is closed.')))).rejects.toThrow(RedisUnavailableError);
    await expect(redisCall(Promise.reject(new Error('Connection is closed.')))).rejects.toThrow('Redis unavailable: Connection is closed.');
  });

  it("should let Redis' own errors through (they are bugs, not outages)", async () => {
    await expect(redisCall(Promise.reject(replyError('WRONGTYPE Operation against a key')))).rejects.toThrow(/^WRONGTYPE/);
  });
});

describe('LuaScript', () => {
  const script = new LuaScript("return redis.call('GET', KEYS[1])");

  it('should run by SHA and load the script with EVAL only when the server answers NOSCRIPT', async () => {
    const calls: string[] = [];
    const redis = {
      evalsha: async (sha: string) => {
        calls.push(`evalsha ${sha.length}`);
        throw replyError('NOSCRIPT No matching script');
      },
      eval: async () => {
        calls.push('eval');
        return 'v';
      },
    } as unknown as Redis;
    await expect(script.run(redis, ['k'], [])).resolves.toBe('v');
    expect(calls).toEqual(['evalsha 40', 'eval']);
  });

  it('should report an unreachable Redis as RedisUnavailableError', async () => {
    const redis = {
      evalsha: async () => Promise.reject(new Error('Reached the max retries per request limit (which is 3)')),
    } as unknown as Redis;
    await expect(script.run(redis, ['k'], [])).rejects.toThrow(RedisUnavailableError);
  });
});
