import type { JsonLogger } from '@dsp/service-defaults';
import { RedisMutex, type RedisConnection, type RedisLease, type RedisLockWakeups, type RedisMutexOptions } from '@dsp/redis';
import { LockBusyError, LockServiceUnavailableError, StaleLockTokenError } from '../flash-sale-errors';
import type { FlashSaleLedger, SaleRef } from '../flash-sale-ledger';
import type { ClaimOutcome, PurchaseStrategy } from '../purchase-strategy';

export interface RedisLockStrategyOptions {
  /** Give up waiting for the sale's lock after this long (503), in ms. @default 5000 (below the gateway's 10 s upstream timeout) */
  acquireTimeoutMs: number;
  /** The lock's lease (renewed while held), in ms. @default 3000 */
  leaseMs: number;
  /** Release notifications, so waiters do not sit out their poll interval. @default none */
  wakeups?: RedisLockWakeups;
}

/**
 * `redis-lock`: each purchase takes the sale's Redis lease
 * (`dsp:lock:flash-sale:<id>`: SET NX PX with a random value, renewed while
 * held, compare-and-delete release), reads the stock and writes one unit less
 * with the grant's fencing token (a counter incremented atomically with the
 * SET). One Redis round trip per attempt instead of ZooKeeper's quorum writes.
 * A holder paused past its lease is fenced off by the database; the counter is
 * then raised to the database's token so it can never lag behind it.
 */
export class RedisLockStrategy implements PurchaseStrategy {
  readonly name = 'redis-lock' as const;
  private readonly options: RedisLockStrategyOptions;
  private readonly mutexes = new Map<string, RedisMutex>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly ledger: FlashSaleLedger,
    private readonly logger: JsonLogger,
    options: Partial<RedisLockStrategyOptions> = {},
  ) {
    this.options = { acquireTimeoutMs: 5000, leaseMs: 3000, ...options };
  }

  static lockName(saleId: string): string {
    return `flash-sale:${saleId}`;
  }

  /** The sale's mutex (stateless apart from its options: one per sale is enough). */
  mutexFor(saleId: string, options: Partial<RedisMutexOptions> = {}): RedisMutex {
    let m = this.mutexes.get(saleId);
    if (!m) {
      if (this.mutexes.size > 1000) this.mutexes.clear();
      m = new RedisMutex(() => this.redis.client, RedisLockStrategy.lockName(saleId), this.logger, {
        leaseMs: this.options.leaseMs,
        ...(this.options.wakeups ? { wakeups: this.options.wakeups } : {}),
        ...options,
      });
      this.mutexes.set(saleId, m);
    }
    return m;
  }

  async claim(sale: SaleRef, userId: string): Promise<ClaimOutcome> {
    const mutex = this.mutexFor(sale.id);
    let lease: RedisLease | undefined;
    try {
      lease = await mutex.acquire(this.options.acquireTimeoutMs);
    } catch (e) {
      throw new LockServiceUnavailableError(sale.id, 'Redis', (e as Error).message);
    }
    if (!lease) throw new LockBusyError(sale.id, this.options.acquireTimeoutMs);
    try {
      const observed = await this.ledger.readState(sale.id);
      if (!lease.isHeld) throw new StaleLockTokenError(sale.id, lease.token, observed.fence);
      await this.ledger.writeLocked(sale.id, userId, lease.token, observed);
      return 'claimed';
    } catch (e) {
      if (e instanceof StaleLockTokenError && e.seen > e.token) await mutex.raiseTokenFloor(e.seen).catch(() => undefined);
      throw e;
    } finally {
      await lease.release();
    }
  }
}
