import type { FlashSalePurchaseView, FlashSaleStrategyName, FlashSaleView } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import { IdempotencyInFlightError } from '../order-errors';
import type { OrdersService } from '../orders.service';
import { AlreadyPurchasedError, FlashSaleNotFoundError, PurchaseInProgressError, SoldOutError } from './flash-sale-errors';
import type { FlashSaleLedger, PurchaseRecord, SaleRef } from './flash-sale-ledger';
import type { PurchaseStrategies } from './purchase-strategies';
import type { StockReservations } from './stock-reservations';

/** The Idempotency-Key of a sale's order: one order per (buyer, sale), whoever writes it. */
export function flashSaleOrderKey(saleId: string): string {
  return `flash-sale:${saleId}`;
}

/** What a purchase call answers. */
export interface PurchaseResult {
  /** The buyer's purchase as it stands now. */
  purchase: FlashSalePurchaseView;
  /** The buyer had bought before: this answer replays that purchase (HTTP `idempotent-replayed: true`). */
  replayed: boolean;
  /** The strategy answers before the order exists (`redis-reserve`): HTTP 202; otherwise 201 (409 when `rejected`). */
  queued: boolean;
}

export interface FlashSaleServiceOptions {
  /**
   * A purchase `pending` (unit taken, order not written) for longer than this
   * was abandoned by the call that took the unit: the buyer's next call takes
   * it over and completes it, as the background completer does; a younger one
   * answers {@link PurchaseInProgressError}. In ms. @default 10000
   */
  pendingTakeoverMs: number;
}

export const DEFAULT_FLASH_SALE_SERVICE_OPTIONS: FlashSaleServiceOptions = { pendingTakeoverMs: 10_000 };

/**
 * Flash sales (docs/notes.md#n29): a SKU with limited stock, sold one unit per
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
 * - A buyer's repeated purchase is idempotent, the same in every strategy: it
 *   replays the purchase the buyer holds (`replayed`; ordered, or reserved for
 *   `redis-reserve`, or `rejected`), whatever became of the first call's
 *   answer; only a `pending` purchase younger than `pendingTakeoverMs` is
 *   refused as in progress. A refusal that is not a replay means sold out.
 * - Once a sale's row says 0 units, this instance answers sold out without
 *   touching locks (stock never goes back up in the database).
 */
export class FlashSaleService {
  private readonly refs = new Map<string, SaleRef>();
  private readonly soldOut = new Set<string>();
  private readonly options: FlashSaleServiceOptions;

  constructor(
    private readonly ledger: FlashSaleLedger,
    private readonly strategies: PurchaseStrategies,
    private readonly orders: OrdersService,
    private readonly reservations: StockReservations,
    private readonly logger: JsonLogger,
    options: Partial<FlashSaleServiceOptions> = {},
  ) {
    this.options = { ...DEFAULT_FLASH_SALE_SERVICE_OPTIONS, ...options };
  }

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
   * Buys one unit for `userId`, or replays the purchase the buyer already
   * holds (see the class comment). Throws {@link SoldOutError} (409),
   * {@link PurchaseInProgressError} (409, a young `pending`), `LockBusyError` /
   * `StaleLockTokenError` / `LockServiceUnavailableError` (503, retry).
   */
  async purchase(saleId: string, userId: string): Promise<PurchaseResult> {
    const sale = await this.ref(saleId);
    const queued = sale.strategy === 'redis-reserve';
    // redis-reserve keeps the database off the request path: Redis' buyer set spots a repeat, and
    // the consumer (redelivery) and the completer finish a pending purchase.
    if (!queued) {
      const mine = await this.ledger.purchaseOf(saleId, userId);
      if (mine) return this.replay(sale, mine);
    }
    if (this.soldOut.has(saleId)) throw new SoldOutError(saleId);
    try {
      const outcome = await this.strategies.get(sale.strategy).claim(sale, userId);
      if (outcome === 'reserved') return { purchase: { saleId, userId, state: 'reserved', orderId: null }, replayed: false, queued };
    } catch (e) {
      if (e instanceof AlreadyPurchasedError) return this.replayHeld(sale, userId); // a concurrent or earlier call of this buyer
      if (e instanceof SoldOutError && !queued) {
        if (this.soldOut.size > 10_000) this.soldOut.clear();
        this.soldOut.add(saleId);
        // The last unit may have gone to a concurrent call of this very buyer: then it is theirs, not sold out.
        const mine = await this.ledger.purchaseOf(saleId, userId);
        if (mine) return this.replay(sale, mine);
      }
      throw e;
    }
    return { purchase: await this.complete(sale, userId), replayed: false, queued };
  }

  /** The strategy says the buyer holds a unit: replay it from the database, or (redis-reserve, not applied yet) as reserved. */
  private async replayHeld(sale: SaleRef, userId: string): Promise<PurchaseResult> {
    const mine = await this.ledger.purchaseOf(sale.id, userId);
    if (mine) return this.replay(sale, mine);
    if (sale.strategy === 'redis-reserve')
      return { purchase: { saleId: sale.id, userId, state: 'reserved', orderId: null }, replayed: true, queued: true };
    throw new Error(`flash sale ${sale.id}: buyer ${userId} holds a unit the database does not show`);
  }

  /** A repeated purchase: answers the one the buyer holds; an abandoned `pending` one is taken over and completed. */
  private async replay(sale: SaleRef, mine: PurchaseRecord): Promise<PurchaseResult> {
    const queued = sale.strategy === 'redis-reserve';
    if (mine.view.state !== 'pending' || queued) return { purchase: mine.view, replayed: true, queued };
    const age = Date.now() - mine.changedAt;
    if (age < this.options.pendingTakeoverMs) throw new PurchaseInProgressError(sale.id, this.options.pendingTakeoverMs - age);
    try {
      return { purchase: await this.complete(sale, mine.view.userId), replayed: true, queued };
    } catch (e) {
      if (e instanceof IdempotencyInFlightError) throw new PurchaseInProgressError(sale.id, this.options.pendingTakeoverMs);
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
    if (mine) return mine.view;
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
      const mine = (await this.ledger.purchaseOf(saleId, userId))?.view;
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
