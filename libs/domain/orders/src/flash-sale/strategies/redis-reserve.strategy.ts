import { TOPICS } from '@dsp/contracts';
import type { EventProducer } from '@dsp/messaging';
import { AlreadyPurchasedError, SoldOutError } from '../flash-sale-errors';
import type { FlashSaleLedger, SaleRef } from '../flash-sale-ledger';
import type { ClaimOutcome, PurchaseStrategy } from '../purchase-strategy';
import type { StockReservations } from '../stock-reservations';

/** A reservation as published on `flashsale.reserved.v1` (key: sale id). */
export interface FlashSaleReservedV1 {
  version: 1;
  saleId: string;
  userId: string;
  reservedAt: string;
}

/**
 * `redis-reserve` (peak shaving): one Redis script reserves the unit (no lock,
 * one round trip), the reservation goes to Kafka (`acks=all`) and the buyer
 * gets 202 at once; the `order-service.flash-sale` consumer then takes the unit
 * in the database (conditional UPDATE, so the database never oversells even if
 * Redis forgot reservations) and writes the order. A reservation whose publish
 * fails is given back before the 503. If the sale is not in Redis (first
 * purchase, or Redis lost it), it is loaded from the database first.
 *
 * A buyer Redis already counts as a reservation holder is told so
 * ({@link AlreadyPurchasedError}) only once that reservation is on its way: if
 * the database has not recorded it yet, it is published again (its first call
 * may have lost Redis' answer, and with it the publish). Applying a
 * reservation twice is harmless, so every 202 is backed by a Kafka ack.
 */
export class RedisReserveStrategy implements PurchaseStrategy {
  readonly name = 'redis-reserve' as const;

  constructor(
    private readonly reservations: StockReservations,
    private readonly ledger: FlashSaleLedger,
    private readonly producer: EventProducer,
    /** Where reservations go (benchmarks use their own topic). */
    private readonly topic: string = TOPICS.flashSaleReserved,
  ) {}

  async claim(sale: SaleRef, userId: string): Promise<ClaimOutcome> {
    let result = await this.reservations.reserve(sale.id, userId);
    if (result === 'unknown') {
      const [state, buyers] = await Promise.all([this.ledger.readState(sale.id), this.ledger.buyers(sale.id)]);
      await this.reservations.seed(sale.id, state.stock, buyers);
      result = await this.reservations.reserve(sale.id, userId);
    }
    if (result === 'sold-out') throw new SoldOutError(sale.id);
    if (result === 'already-reserved') {
      if (!(await this.ledger.purchaseOf(sale.id, userId))) await this.publish(sale.id, userId);
      throw new AlreadyPurchasedError(sale.id, 'reserved');
    }
    if (result === 'unknown') throw new Error(`flash sale ${sale.id} could not be loaded into Redis`);
    try {
      await this.publish(sale.id, userId);
    } catch (e) {
      await this.reservations.unreserve(sale.id, userId).catch(() => undefined);
      throw e;
    }
    return 'reserved';
  }

  private async publish(saleId: string, userId: string): Promise<void> {
    const event: FlashSaleReservedV1 = { version: 1, saleId, userId, reservedAt: new Date().toISOString() };
    await this.producer.send(this.topic, [{ key: saleId, value: JSON.stringify(event) }]);
  }
}
