import type { FlashSaleLedger, SaleRef } from '../flash-sale-ledger';
import type { ClaimOutcome, PurchaseStrategy } from '../purchase-strategy';

/**
 * `db-atomic`: no distributed lock. One transaction on the sale's primary runs
 * `UPDATE ... SET stock = stock - 1 WHERE id = ? AND stock > 0` and inserts the
 * purchase row; the row lock InnoDB takes for the UPDATE is the only
 * serialization, held for one short transaction.
 */
export class DbAtomicStrategy implements PurchaseStrategy {
  readonly name = 'db-atomic' as const;

  constructor(private readonly ledger: FlashSaleLedger) {}

  async claim(sale: SaleRef, userId: string): Promise<ClaimOutcome> {
    await this.ledger.claimAtomic(sale.id, userId);
    return 'claimed';
  }
}
