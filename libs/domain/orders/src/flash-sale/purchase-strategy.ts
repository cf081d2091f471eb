import type { FlashSaleStrategyName } from '@dsp/contracts';
import type { SaleRef } from './flash-sale-ledger';

/** What a strategy did: `claimed` (the unit is the buyer's in the database) or `reserved` (held in Redis; the order follows). */
export type ClaimOutcome = 'claimed' | 'reserved';

/**
 * How a sale hands out its units under concurrency. One small class per
 * strategy, looked up by name in {@link PurchaseStrategies}. `claim` takes one
 * unit for the buyer or throws `SoldOutError`, `AlreadyPurchasedError`,
 * `LockBusyError` or `StaleLockTokenError`; it never takes two units for one buyer.
 */
export interface PurchaseStrategy {
  readonly name: FlashSaleStrategyName;
  claim(sale: SaleRef, userId: string): Promise<ClaimOutcome>;
}
