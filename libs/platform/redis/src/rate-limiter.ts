import type Redis from 'ioredis';
import { LuaScript } from './lua-script';

/** The answer of a rate limiter for one key. */
export interface RateLimitResult {
  allowed: boolean;
  /** Hits counted in the current window (after this one, for `hit`). */
  count: number;
  /** When the window ends, in ms from now (0 when nothing is counted). */
  retryAfterMs: number;
}

/** KEYS: counter. ARGV: windowMs. Returns [count, pttl]. */
const HIT = new LuaScript(`local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`);

/**
 * A fixed-window counter per key in Redis, shared by every instance: at most
 * `limit` hits per window; the answer says how long until the window ends
 * (the `Retry-After` of a 429). Counting and the expiry are one script, so a
 * counter never lives on without a TTL.
 */
export class RateLimiter {
  constructor(
    private readonly redisOf: () => Redis,
    private readonly keyPrefix = 'dsp:rl:',
  ) {}

  /** Counts one hit; `allowed` is false once the count exceeds `limit`. */
  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const [count, ttl] = (await HIT.run(this.redisOf(), [this.keyPrefix + key], [windowMs])) as [number, number];
    return { allowed: count <= limit, count, retryAfterMs: Math.max(0, ttl) };
  }

  /** Reads the count without adding to it; `allowed` is false when `limit` hits are already counted. */
  async peek(key: string, limit: number): Promise<RateLimitResult> {
    const redis = this.redisOf();
    const [[, v], [, ttl]] = (await redis
      .multi()
      .get(this.keyPrefix + key)
      .pttl(this.keyPrefix + key)
      .exec()) as [[Error | null, string | null], [Error | null, number]];
    const count = Number(v ?? 0);
    return { allowed: count < limit, count, retryAfterMs: Math.max(0, ttl) };
  }

  /** Forgets a key (e.g. the failure counter of a user who just logged in). */
  async reset(key: string): Promise<void> {
    await this.redisOf().del(this.keyPrefix + key);
  }
}
