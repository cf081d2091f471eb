import type { FlashSalePurchaseView, FlashSaleStrategyName, FlashSaleView } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import { IdempotencyInFlightError } from '../order-errors';
import type { OrdersService } from '../orders.service';
import { AlreadyPurchasedError, FlashSaleNotFoundError, SoldOutError } from './flash-sale-errors';
import type { FlashSaleLedger, SaleRef } from './flash-sale-ledger';
import type { PurchaseStrategies } from './purchase-strategies';
import type { StockReservations } from './stock-reservations';

/** The Idempotency-Key of a sale's order: one order per (buyer, sale), whoever writes it. */
export function flashSaleOrderKey(saleId: string): string {
  return `flash-sale:${saleId}`;
}

/**
 * Flash sales (seed line 29): a SKU with limited stock, sold one unit per
 * buyer through the strategy the sale was started with.
 *
 * - Never oversold: whatever the strategy, the unit is taken in the sale's
 *   database row (conditional or fenced UPDATE), which cannot go below zero.
 * - One unit per buyer: the purchase row's primary key (and, for
 *   `redis-reserve`, the Redis buyer set in front of it).
 * - Every taken unit becomes exactly one order on the buyer's shard: the order
 *   is placed with the Idempotency-Key `flash-sale:<saleId>`, so the purchase
 *   call, a retry by the buyer and the background completer
 *   ({@link completeStale}) can all write it and only one order results.
 * - Once a sale's row says 0 units, this instance answers 409 without touching
 *   locks (stock never goes back up in the database).
 */
export class FlashSaleService {
  private readonly refs = new Map<string, SaleRef>();
  private readonly soldOut = new Set<string>();

  constructor(
    private readonly ledger: FlashSaleLedger,
    private readonly strategies: PurchaseStrategies,
    private readonly orders: OrdersService,
    private readonly reservations: StockReservations,
    private readonly logger: JsonLogger,
  ) {}

  async start(sku: string, stock: number, strategy: FlashSaleStrategyName): Promise<FlashSaleView> {
    this.strategies.get(strategy); // loud for a strategy this service does not run
    const sale = await this.ledger.create(sku, stock, strategy);
    if (strategy === 'redis-reserve') await this.reservations.seed(sale.id, stock, []).catch(() => undefined); // else loaded lazily
    this.logger.info({ component: 'flash-sale', saleId: sale.id, sku, stock, strategy }, 'flash sale started');
    return sale;
  }

  async view(saleId: string): Promise<FlashSaleView> {
    const v = await this.ledger.find(saleId);
    if (!v) throw new FlashSaleNotFoundError(saleId);
    return v;
  }

  private async ref(saleId: string): Promise<SaleRef> {
    const cached = this.refs.get(saleId);
    if (cached) return cached;
    const v = await this.view(saleId);
    const ref: SaleRef = { id: v.id, sku: v.sku, strategy: v.strategy, stockTotal: v.stockTotal };
    if (this.refs.size > 10_000) this.refs.clear();
    this.refs.set(saleId, ref);
    return ref;
  }

  /**
   * Buys one unit for `userId`. Resolves with the purchase (`ordered`, or
   * `reserved` for `redis-reserve`); throws {@link SoldOutError} or
   * {@link AlreadyPurchasedError} (409), `LockBusyError` / `StaleLockTokenError`
   * (503, retry). A buyer whose earlier call took the unit but did not finish
   * the order gets it finished now.
   */
  async purchase(saleId: string, userId: string): Promise<FlashSalePurchaseView> {
    const sale = await this.ref(saleId);
    // redis-reserve keeps the database off the request path: Redis' buyer set refuses a second
    // reservation, and the consumer (redelivery) and the completer finish a pending one.
    if (sale.strategy !== 'redis-reserve') {
      const mine = await this.ledger.purchaseOf(saleId, userId);
      if (mine?.state === 'pending') return this.resume(sale, userId);
      if (mine) throw new AlreadyPurchasedError(saleId, mine.state);
    }
    if (this.soldOut.has(saleId)) throw new SoldOutError(saleId);
    try {
      const outcome = await this.strategies.get(sale.strategy).claim(sale, userId);
      if (outcome === 'reserved') return { saleId, userId, state: 'reserved', orderId: null };
    } catch (e) {
      if (e instanceof SoldOutError && sale.strategy !== 'redis-reserve') {
        if (this.soldOut.size > 10_000) this.soldOut.clear();
        this.soldOut.add(saleId);
      }
      throw e;
    }
    return this.complete(sale, userId);
  }

  /** A retry of a purchase whose unit is taken: finishes its order, unless another call is writing it right now (409). */
  private async resume(sale: SaleRef, userId: string): Promise<FlashSalePurchaseView> {
    try {
      return await this.complete(sale, userId);
    } catch (e) {
      if (e instanceof IdempotencyInFlightError) throw new AlreadyPurchasedError(sale.id, 'pending, its order is being written');
      throw e;
    }
  }

  /** The unit is the buyer's: writes the order (idempotent) and marks the purchase ordered. */
  async complete(sale: SaleRef, userId: string): Promise<FlashSalePurchaseView> {
    const w = await this.orders.place(userId, flashSaleOrderKey(sale.id), [{ sku: sale.sku, quantity: 1 }]);
    await this.ledger.markOrdered(sale.id, userId, w.order.id);
    return { saleId: sale.id, userId, state: 'ordered', orderId: w.order.id };
  }

  /** The buyer's purchase: from the database, or `reserved` while only Redis knows it; undefined when none. */
  async purchaseStatus(saleId: string, userId: string): Promise<FlashSalePurchaseView | undefined> {
    const sale = await this.ref(saleId);
    const mine = await this.ledger.purchaseOf(saleId, userId);
    if (mine) return mine;
    if (sale.strategy === 'redis-reserve' && (await this.reservations.isBuyer(saleId, userId)))
      return { saleId, userId, state: 'reserved', orderId: null };
    return undefined;
  }

  /**
   * Applies one reservation from Kafka: takes the unit in the database (or
   * records the rejection when none is left) and writes the order. Safe to
   * run twice for the same reservation.
   */
  async applyReservation(saleId: string, userId: string): Promise<FlashSalePurchaseView> {
    const sale = await this.ref(saleId);
    try {
      await this.ledger.claimAtomic(saleId, userId);
    } catch (e) {
      if (e instanceof SoldOutError) {
        await this.ledger.reject(saleId, userId, 'no unit left in the database when the reservation arrived');
        this.logger.info({ component: 'flash-sale', saleId, userId }, 'reservation rejected: sold out in the database');
        return { saleId, userId, state: 'rejected', orderId: null };
      }
      if (!(e instanceof AlreadyPurchasedError)) throw e;
      const mine = await this.ledger.purchaseOf(saleId, userId);
      if (mine?.state !== 'pending') return mine ?? { saleId, userId, state: 'rejected', orderId: null };
    }
    return this.complete(sale, userId);
  }

  /** Finishes purchases left `pending` (their process died between unit and order) for longer than `olderThanMs`. Returns how many. */
  async completeStale(olderThanMs: number): Promise<number> {
    let done = 0;
    for (const p of await this.ledger.stalePending(olderThanMs, 200)) {
      try {
        await this.complete(await this.ref(p.saleId), p.userId);
        done++;
      } catch (e) {
        if (!(e instanceof IdempotencyInFlightError)) throw e; // another instance is on it
      }
    }
    if (done > 0) this.logger.info({ component: 'flash-sale', completed: done }, 'pending flash-sale purchases completed');
    return done;
  }
}
