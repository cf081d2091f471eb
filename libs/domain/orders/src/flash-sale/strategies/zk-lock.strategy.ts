import type { JsonLogger } from '@dsp/service-defaults';
import { InterProcessMutex, type ZookeeperClient } from '@dsp/zookeeper';
import { LockBusyError, LockServiceUnavailableError, StaleLockTokenError } from '../flash-sale-errors';
import type { FlashSaleLedger, SaleRef } from '../flash-sale-ledger';
import type { ClaimOutcome, PurchaseStrategy } from '../purchase-strategy';

export interface ZkLockStrategyOptions {
  /** Give up waiting for the sale's lock after this long (503), in ms. @default 5000 (below the gateway's 10 s upstream timeout) */
  acquireTimeoutMs: number;
}

/**
 * `zk-lock`: each purchase takes the sale's ZooKeeper mutex (`/locks/<service>/flash-sale-<id>`,
 * a fair queue of ephemeral-sequential nodes), reads the stock, and writes one
 * unit less with the grant's fencing token (the lock node's czxid). Every grant
 * costs ZooKeeper round trips (create, list, watch, delete) and a quorum write,
 * which is what docs/notes.md#n29 calls slow. If the holder's session expired while
 * it was paused, the database refuses its late write (fencing).
 */
export class ZkLockStrategy implements PurchaseStrategy {
  readonly name = 'zk-lock' as const;
  private readonly options: ZkLockStrategyOptions;

  constructor(
    private readonly zk: ZookeeperClient,
    private readonly ledger: FlashSaleLedger,
    private readonly logger: JsonLogger,
    options: Partial<ZkLockStrategyOptions> = {},
  ) {
    this.options = { acquireTimeoutMs: 5000, ...options };
  }

  /** The sale's mutex (one per purchase: like one Curator mutex per thread). */
  static lockName(saleId: string): string {
    return `flash-sale-${saleId}`;
  }

  async claim(sale: SaleRef, userId: string): Promise<ClaimOutcome> {
    const mutex = new InterProcessMutex(this.zk, ZkLockStrategy.lockName(sale.id), this.logger);
    let token: bigint | undefined;
    try {
      token = await mutex.acquire(this.options.acquireTimeoutMs);
    } catch (e) {
      throw new LockServiceUnavailableError(sale.id, 'ZooKeeper', (e as Error).message); // connection or session lost while queued
    }
    if (token === undefined) throw new LockBusyError(sale.id, this.options.acquireTimeoutMs);
    try {
      const observed = await this.ledger.readState(sale.id);
      if (!mutex.isHeld) throw new StaleLockTokenError(sale.id, token, observed.fence);
      await this.ledger.writeLocked(sale.id, userId, token, observed);
      return 'claimed';
    } finally {
      if (mutex.isHeld) await mutex.release();
    }
  }
}
