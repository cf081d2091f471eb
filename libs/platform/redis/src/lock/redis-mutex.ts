import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { JsonLogger } from '@dsp/service-defaults';
import { LuaScript } from '../lua-script';
import { releaseChannel, type RedisLockWakeups } from './redis-lock-wakeups';

/** KEYS: lock, fence counter. ARGV: owner value, lease ms. Returns the fencing token, or 0 when the lock is taken. */
const ACQUIRE = new LuaScript(`if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`);

/** KEYS: lock, release channel. ARGV: owner value. Deletes the lock only if this owner still holds it, and tells waiters. */
const RELEASE = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', KEYS[2], '1')
  return 1
end
return 0`);

/** KEYS: lock. ARGV: owner value, lease ms. Extends the lease only if this owner still holds it. */
const RENEW = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`);

/** KEYS: fence counter. ARGV: a token a store has seen. Raises the counter to it (never lowers it). */
const RAISE_FLOOR = new LuaScript(`local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`);

export interface RedisMutexOptions {
  /** How long a grant lives without renewal, in ms. @default 3000 */
  leaseMs: number;
  /** Renew the lease this often while held, in ms. @default leaseMs / 3 */
  renewEveryMs: number;
  /** First wait between attempts while the lock is taken, in ms (doubles up to `retryMaxMs`, with jitter). @default 2 */
  retryMinMs: number;
  /** @default 40 */
  retryMaxMs: number;
  /** Key prefix. @default 'dsp:lock:' */
  prefix: string;
  /** Release notifications: a waiter retries as soon as the lock is released, not only on its poll. @default none (poll only) */
  wakeups?: RedisLockWakeups;
}

export const DEFAULT_REDIS_MUTEX_OPTIONS: Omit<RedisMutexOptions, 'renewEveryMs'> = {
  leaseMs: 3000,
  retryMinMs: 2,
  retryMaxMs: 40,
  prefix: 'dsp:lock:',
};

/**
 * One grant of a {@link RedisMutex}. `isHeld` is true until `release()`, until
 * a renewal finds the key gone or owned by someone else, or until the lease
 * runs out on this process' clock without a successful renewal (Redis
 * unreachable). Any of these is reported once through `onLoss`.
 */
export class RedisLease {
  private released = false;
  private lost = false;
  private validUntil: number;
  private readonly timer: NodeJS.Timeout;
  private readonly lossListeners = new Set<() => void>();

  constructor(
    private readonly redisOf: () => Redis,
    private readonly key: string,
    private readonly owner: string,
    /** The fencing token of this grant: higher than any earlier grant of the same lock. */
    readonly token: bigint,
    private readonly options: RedisMutexOptions,
    private readonly logger: JsonLogger,
    startedAt: number,
  ) {
    this.validUntil = startedAt + options.leaseMs;
    this.timer = setInterval(() => void this.renew(), options.renewEveryMs);
    this.timer.unref();
  }

  get isHeld(): boolean {
    return !this.released && !this.lost && performance.now() < this.validUntil;
  }

  onLoss(listener: () => void): () => void {
    this.lossListeners.add(listener);
    return () => this.lossListeners.delete(listener);
  }

  private async renew(): Promise<void> {
    if (this.released || this.lost) return;
    const sent = performance.now();
    try {
      const ok = Number(await RENEW.run(this.redisOf(), [this.key], [this.owner, this.options.leaseMs]));
      if (ok === 1) {
        this.validUntil = sent + this.options.leaseMs;
        return;
      }
      this.markLost('the lock key is gone or owned by another holder');
    } catch (e) {
      if (performance.now() >= this.validUntil) this.markLost(`lease ran out while Redis was unreachable (${(e as Error).message})`);
    }
  }

  private markLost(reason: string): void {
    if (this.lost || this.released) return;
    this.lost = true;
    clearInterval(this.timer);
    this.logger.warn({ component: 'redis-mutex', key: this.key, token: this.token.toString(), reason }, 'redis lock HELD -> LOST');
    for (const l of this.lossListeners) l();
  }

  /** Releases the grant (compare-and-delete: never someone else's). Safe to call twice. Resolves true when the key was still ours. */
  async release(): Promise<boolean> {
    if (this.released) return false;
    this.released = true;
    clearInterval(this.timer);
    if (this.lost) return false;
    try {
      return Number(await RELEASE.run(this.redisOf(), [this.key, releaseChannel(this.key)], [this.owner])) === 1;
    } catch {
      return false; // the lease runs out by itself
    }
  }
}

/**
 * A lease-based lock in Redis (docs/notes.md#n29): `SET key value NX PX lease` with a
 * random value per grant, released by a compare-and-delete script so a holder
 * never deletes a later holder's grant, and renewed every `renewEveryMs` while
 * held. Waiters poll with jittered backoff; with `wakeups`, a release also
 * wakes the longest-waiting waiter of each process at once (pub/sub).
 *
 * It is not safe on its own: a holder paused longer than the lease (GC, SIGSTOP)
 * still believes it holds the lock when it resumes. Each grant therefore
 * carries a FENCING TOKEN from a counter incremented in the same script as the
 * `SET`: a store that refuses writes with a token lower than one it has already
 * accepted turns that late write into a rejected one. After such a rejection,
 * `raiseTokenFloor(seen)` lifts the counter past the store's token, so a counter
 * that went backwards (Redis restarted from an older AOF) heals itself.
 */
export class RedisMutex {
  private readonly options: RedisMutexOptions;
  private readonly key: string;
  private readonly fenceKey: string;

  constructor(
    private readonly redisOf: () => Redis,
    readonly name: string,
    private readonly logger: JsonLogger,
    options: Partial<RedisMutexOptions> = {},
  ) {
    const base = { ...DEFAULT_REDIS_MUTEX_OPTIONS, ...options };
    this.options = { ...base, renewEveryMs: options.renewEveryMs ?? Math.max(1, Math.floor(base.leaseMs / 3)) };
    if (this.options.renewEveryMs >= this.options.leaseMs)
      throw new Error(`RedisMutex ${name}: renewEveryMs (${this.options.renewEveryMs}) must be below leaseMs (${this.options.leaseMs})`);
    this.key = `${this.options.prefix}${name}`;
    this.fenceKey = `${this.options.prefix}${name}:fence`;
  }

  /** Tries until `timeoutMs` has passed; resolves with the lease, or `undefined` on timeout. Redis errors are thrown. */
  async acquire(timeoutMs: number): Promise<RedisLease | undefined> {
    const deadline = performance.now() + timeoutMs;
    const owner = randomBytes(16).toString('hex');
    let wait = this.options.retryMinMs;
    for (;;) {
      const sent = performance.now();
      const token = Number(await ACQUIRE.run(this.redisOf(), [this.key, this.fenceKey], [owner, this.options.leaseMs]));
      if (token > 0) return new RedisLease(this.redisOf, this.key, owner, BigInt(token), this.options, this.logger, sent);
      if (performance.now() + wait >= deadline) return undefined;
      const pause = wait / 2 + Math.random() * wait;
      if (this.options.wakeups) await this.options.wakeups.wait(releaseChannel(this.key), pause);
      else await new Promise((r) => setTimeout(r, pause));
      wait = Math.min(wait * 2, this.options.retryMaxMs);
    }
  }

  /** Raises the token counter to at least `seen` (a token a store has accepted). */
  async raiseTokenFloor(seen: bigint): Promise<void> {
    const raised = Number(await RAISE_FLOOR.run(this.redisOf(), [this.fenceKey], [seen.toString()]));
    if (raised === 1)
      this.logger.warn({ component: 'redis-mutex', key: this.key, floor: seen.toString() }, 'fence counter raised to the store token');
  }
}
