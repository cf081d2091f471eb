import type { JsonLogger } from '@dsp/service-defaults';
import type { FlashSaleLedger } from './flash-sale-ledger';
import type { StockReservations } from './stock-reservations';

export interface FlashSaleReconcilerOptions {
  /** A sale is reconciled only after neither Redis nor the database changed for this long, in ms. @default 3000 */
  quietMs: number;
}

/**
 * Makes Redis agree with the database for `redis-reserve` sales (the database
 * is the truth). For each open sale:
 * - missing in Redis (restart without its data): loaded from the database;
 * - once quiet (no reservation and no database change for `quietMs`, and no
 *   reservation waiting in Kafka): Redis' buyer set gets every database buyer
 *   and Redis' stock is set to the database's, by a compare-and-set on the
 *   time of the last reservation, so a reservation racing the reconciliation
 *   wins and the reconciliation waits for the next quiet moment.
 * Redis ahead of the database (it forgot reservations) would oversell without
 * the database's conditional UPDATE; Redis behind it (a reservation lost
 * between Redis and Kafka) would undersell: this puts the units back on sale.
 */
export class FlashSaleReconciler {
  private readonly options: FlashSaleReconcilerOptions;

  constructor(
    private readonly ledger: FlashSaleLedger,
    private readonly reservations: StockReservations,
    private readonly queueDrained: () => boolean,
    private readonly logger: JsonLogger,
    options: Partial<FlashSaleReconcilerOptions> = {},
  ) {
    this.options = { quietMs: 3000, ...options };
  }

  /** One pass over open sales; returns the ids whose Redis stock was changed or reloaded. */
  async runOnce(): Promise<string[]> {
    const changed: string[] = [];
    for (const sale of await this.ledger.activeReserveSales(60_000)) {
      if (await this.reconcileSale(sale.id)) changed.push(sale.id);
    }
    return changed;
  }

  async reconcileSale(saleId: string): Promise<boolean> {
    const redis = await this.reservations.state(saleId);
    if (!redis) {
      const [state, buyers] = await Promise.all([this.ledger.readState(saleId), this.ledger.buyers(saleId)]);
      const seeded = await this.reservations.seed(saleId, state.stock, buyers);
      if (seeded)
        this.logger.warn(
          { component: 'flash-sale-reconciler', saleId, stock: state.stock },
          'sale missing in Redis: reloaded from the database',
        );
      return seeded;
    }
    const db = await this.ledger.lastChange(saleId);
    const lastActivity = Math.max(Number(redis.last), db.updatedAt);
    if (Date.now() - lastActivity < this.options.quietMs || !this.queueDrained()) return false;
    if (redis.stock === db.stock) return false;
    await this.reservations.addBuyers(saleId, await this.ledger.buyers(saleId));
    const done = await this.reservations.reconcile(saleId, redis.last, db.stock);
    if (done)
      this.logger.warn(
        { component: 'flash-sale-reconciler', saleId, redisStock: redis.stock, dbStock: db.stock },
        `redis stock ${redis.stock} -> ${db.stock} (the database's)`,
      );
    return done;
  }
}
