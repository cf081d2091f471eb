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

/** Redis' clock in ms (scripts replicate their effects, so reading TIME before a write is allowed). */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** A queued waiter's entry in `<key>:waiting`: `<deadline, Redis ms>:<its own lease ms>`; a missing or unreadable one is stale. */
const WAITING = `local function waiting(owner)
  local d, l = string.match(redis.call('HGET', KEYS[4], owner) or '', '^(%d+):(%d+)$')
  return tonumber(d or '0'), l
end`;

/**
 * The fair lock's hand-off: the lock goes straight to the first queued waiter that is still asking
 * (deadline not passed), for that waiter's own lease length, with a new fencing token, and the
 * release channel names it and its token (`<owner> <token>`), so it holds the lock without another
 * round trip. Stale heads are dropped. Nobody queued: the lock stays free and the channel says '1'.
 * KEYS: lock, fence counter, queue, waiting, release channel.
 */
const HAND_OFF = `${NOW_MS}
${WAITING}
local function handOff()
  local head = redis.call('LPOP', KEYS[3])
  while head do
    local deadline, lease = waiting(head)
    redis.call('HDEL', KEYS[4], head)
    if deadline >= now then
      redis.call('SET', KEYS[1], head, 'PX', lease)
      local token = redis.call('INCR', KEYS[2])
      redis.call('PUBLISH', KEYS[5], head .. ' ' .. token)
      return
    end
    head = redis.call('LPOP', KEYS[3])
  end
  redis.call('PUBLISH', KEYS[5], '1')
end
handOff()`;

/**
 * The fair (first come, first served) grant.
 * KEYS: lock, fence counter, queue (a list of owners in arrival order), waiting (a hash owner -> `<deadline, Redis ms>:<lease ms>`), release channel.
 * ARGV: owner value, lease ms, how long a waiter stays queued without asking again (ms).
 * A waiter the lock was handed to (its wake-up lost) gets its token, and its lease is restarted so it
 * runs at least `leaseMs` from this call (the caller counts its lease from sending it). Otherwise: drops queued
 * waiters that stopped asking (a crashed process), grants only when the lock is free and nobody
 * queued before this owner, else queues the owner (once) and refreshes its deadline.
 * Returns the fencing token, or 0.
 */
const ACQUIRE_FAIR = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('GET', KEYS[2]))
end
${NOW_MS}
${WAITING}
local head = redis.call('LINDEX', KEYS[3], 0)
while head and head ~= ARGV[1] and waiting(head) < now do
  redis.call('LPOP', KEYS[3])
  redis.call('HDEL', KEYS[4], head)
  head = redis.call('LINDEX', KEYS[3], 0)
end
if redis.call('EXISTS', KEYS[1]) == 0 and (not head or head == ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  if head then
    redis.call('LPOP', KEYS[3])
    redis.call('HDEL', KEYS[4], ARGV[1])
  end
  return redis.call('INCR', KEYS[2])
end
if redis.call('HSET', KEYS[4], ARGV[1], (now + tonumber(ARGV[3])) .. ':' .. ARGV[2]) == 1 then redis.call('RPUSH', KEYS[3], ARGV[1]) end
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
return 0`);

/** KEYS: as ACQUIRE_FAIR. ARGV: owner value. Fair release: deletes the lock only if this owner holds it, and hands it off. */
const RELEASE_FAIR = new LuaScript(`if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
${HAND_OFF}
return 1`);

/**
 * KEYS: as ACQUIRE_FAIR. ARGV: owner value. A waiter that gives up leaves the queue; if the
 * lock was handed to it meanwhile, it passes the lock on, and if the lock is free, the next head gets it.
 */
const LEAVE_QUEUE = new LuaScript(`redis.call('LREM', KEYS[3], 1, ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then redis.call('DEL', KEYS[1]) end
if held ~= ARGV[1] and held then return 1 end
if redis.call('LLEN', KEYS[3]) == 0 then return 1 end
${HAND_OFF}
return 1`);

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
  /**
   * First come, first served: waiters queue in Redis (`<key>:queue`) and the lock goes to the first of them,
   * never to a caller that arrived later (no barging, so no starved waiter and a short tail). A release
   * hands the lock to the next waiter, which `wakeups` tells at once, token included. `false` is the plain
   * `SET NX` race. @default true
   */
  fair: boolean;
  /** Fair only: a queued waiter that has not asked again for this long is dropped (its process died), in ms. @default 1000 */
  queueTtlMs: number;
}

export const DEFAULT_REDIS_MUTEX_OPTIONS: Omit<RedisMutexOptions, 'renewEveryMs'> = {
  leaseMs: 3000,
  retryMinMs: 2,
  retryMaxMs: 40,
  prefix: 'dsp:lock:',
  fair: true,
  queueTtlMs: 1000,
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
    /** Fair lock only: lock, fence, queue, waiting, release channel (the keys of RELEASE_FAIR). */
    private readonly fairKeys: readonly string[] | undefined,
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
      const released = this.fairKeys
        ? await RELEASE_FAIR.run(this.redisOf(), this.fairKeys, [this.owner])
        : await RELEASE.run(this.redisOf(), [this.key, releaseChannel(this.key)], [this.owner]);
      return Number(released) === 1;
    } catch {
      return false; // the lease runs out by itself
    }
  }
}

/**
 * A lease-based lock in Redis (docs/notes.md#n29): `SET key value NX PX lease` with a
 * random value per grant, released by a compare-and-delete script so a holder
 * never deletes a later holder's grant, and renewed every `renewEveryMs` while
 * held. By default it is FAIR: a caller that finds the lock taken joins a queue
 * in Redis and the lock goes to the first queued waiter, never to a later
 * caller (a holder that releases and asks again queues behind the others), so
 * no waiter starves and the wait's tail stays near its median. The release
 * HANDS THE LOCK OFF in the same script: the first queued waiter still asking
 * becomes the holder with the next fencing token, and with `wakeups` learns it
 * from the release's message (no round trip of its own); without them, or if
 * the message is lost, on its next jittered poll. A queued waiter that stops
 * asking (its process died) is skipped after `queueTtlMs`; one that times out
 * leaves the queue and hands on a lock handed to it meanwhile. `fair: false` is
 * the plain race, where whoever asks first after a release wins.
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
  private readonly fairKeys: readonly string[] | undefined;

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
    if (this.options.fair && this.options.queueTtlMs <= this.options.retryMaxMs * 2)
      throw new Error(
        `RedisMutex ${name}: queueTtlMs (${this.options.queueTtlMs}) must exceed twice retryMaxMs (${this.options.retryMaxMs})`,
      );
    this.fairKeys = this.options.fair
      ? [this.key, this.fenceKey, `${this.key}:queue`, `${this.key}:waiting`, releaseChannel(this.key)]
      : undefined;
  }

  /** Tries until `timeoutMs` has passed; resolves with the lease, or `undefined` on timeout. Redis errors are thrown. */
  async acquire(timeoutMs: number): Promise<RedisLease | undefined> {
    const deadline = performance.now() + timeoutMs;
    const owner = randomBytes(16).toString('hex');
    const channel = releaseChannel(this.key);
    let wait = this.options.retryMinMs;
    const lease = (token: bigint, startedAt: number) =>
      new RedisLease(this.redisOf, this.key, owner, token, this.options, this.logger, startedAt, this.fairKeys);
    for (;;) {
      const sent = performance.now();
      let token: number;
      try {
        token = Number(await this.tryOnce(owner));
      } catch (e) {
        // The script may have queued us before the reply was lost: leave, or a release could hand the lock to nobody.
        await this.leaveQueue(owner);
        throw e;
      }
      if (token > 0) return lease(BigInt(token), sent);
      if (performance.now() + wait >= deadline) {
        await this.leaveQueue(owner);
        return undefined;
      }
      const pause = wait / 2 + Math.random() * wait;
      if (this.options.wakeups) {
        const handed = await this.options.wakeups.wait(channel, pause, this.fairKeys ? owner : undefined);
        // Handed the lock by the release: granted after `sent` (our last ask found it taken), so the lease counts from then.
        if (handed !== undefined) return lease(BigInt(handed), sent);
      } else await new Promise((r) => setTimeout(r, pause));
      wait = Math.min(wait * 2, this.options.retryMaxMs);
    }
  }

  private tryOnce(owner: string): Promise<unknown> {
    const { leaseMs, queueTtlMs } = this.options;
    if (!this.fairKeys) return ACQUIRE.run(this.redisOf(), [this.key, this.fenceKey], [owner, leaseMs]);
    return ACQUIRE_FAIR.run(this.redisOf(), this.fairKeys, [owner, leaseMs, queueTtlMs]);
  }

  private async leaveQueue(owner: string): Promise<void> {
    if (!this.fairKeys) return;
    try {
      await LEAVE_QUEUE.run(this.redisOf(), this.fairKeys, [owner]);
    } catch {
      // its queue entry expires after queueTtlMs by itself
    }
  }

  /** Raises the token counter to at least `seen` (a token a store has accepted). */
  async raiseTokenFloor(seen: bigint): Promise<void> {
    const raised = Number(await RAISE_FLOOR.run(this.redisOf(), [this.fenceKey], [seen.toString()]));
    if (raised === 1)
      this.logger.warn({ component: 'redis-mutex', key: this.key, floor: seen.toString() }, 'fence counter raised to the store token');
  }
}
