import type { FlashSaleStrategyName, FlashSalePurchaseView, FlashSaleView } from '@dsp/contracts';
import type { EntityManager, ReadWriteDataSource, ShardRouter, SnowflakeIdGenerator } from '@dsp/database';
import { UnknownSkuError } from '../order-errors';
import { AlreadyPurchasedError, SoldOutError, StaleLockTokenError } from './flash-sale-errors';

/** A sale's stock as read by a lock holder before it writes. */
export interface SaleState {
  stock: number;
  sold: number;
  fence: bigint;
}

/** The immutable part of a sale (safe to cache). */
export interface SaleRef {
  id: string;
  sku: string;
  strategy: FlashSaleStrategyName;
  stockTotal: number;
}

type SaleRow = {
  id: string;
  sku: string;
  strategy: FlashSaleStrategyName;
  stock_total: number;
  stock: number;
  sold: number;
  fence: string;
  created_at: Date;
  updated_at: Date;
};
type PurchaseRow = {
  sale_id: string;
  user_id: string;
  state: 'pending' | 'ordered' | 'rejected';
  order_id: string | null;
  reason: string | null;
  updated_at: Date;
};

/** A buyer's purchase row: what the API shows, and when it last changed (ms since the epoch). */
export interface PurchaseRecord {
  view: FlashSalePurchaseView;
  changedAt: number;
}

function isDuplicate(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string } };
  return (err.driverError?.code ?? err.code) === 'ER_DUP_ENTRY';
}

function affected(r: unknown): number {
  return (r as { affectedRows?: number }).affectedRows ?? 0;
}

/**
 * The database side of flash sales: the source of truth for stock.
 *
 * A sale lives on the order database its id's gene names (sales are spread
 * over both clusters); its purchases live next to it, so taking a unit (stock
 * down, purchase row in) is one local transaction. Guarantees, whatever the
 * caller does:
 * - stock never goes below 0 and `stock + sold = stock_total` (unsigned columns
 *   and a CHECK constraint);
 * - one purchase row per (sale, buyer): a second one is refused;
 * - `writeLocked` is fenced: it writes only if its token is higher than every
 *   token that wrote the sale before, so a lock holder that lost its lock while
 *   paused cannot overwrite a newer holder's write.
 */
export class FlashSaleLedger {
  private nextGene = 0;

  constructor(
    private readonly router: ShardRouter,
    private readonly ids: () => SnowflakeIdGenerator,
  ) {}

  /** The data source holding a sale (by its id's gene). */
  homeOf(saleId: string): ReadWriteDataSource {
    return this.router.byId(BigInt(saleId)).source;
  }

  /** Every data source that holds sales. */
  homes(): ReadWriteDataSource[] {
    const seen = new Map<string, ReadWriteDataSource>();
    for (const t of this.router.all({ allowScatter: true, what: 'flash-sale maintenance' })) seen.set(t.source.name, t.source);
    return [...seen.values()];
  }

  async create(sku: string, stock: number, strategy: FlashSaleStrategyName): Promise<FlashSaleView> {
    const gene = this.nextGene++ % this.router.rule.slots;
    const id = this.ids().next(gene).toString();
    const home = this.homeOf(id);
    const now = new Date();
    await home.write(async (em) => {
      const found = (await em.query('SELECT sku FROM products WHERE sku = ?', [sku])) as unknown[];
      if (found.length === 0) throw new UnknownSkuError([sku]);
      await em.query(
        'INSERT INTO flash_sales (id, sku, strategy, stock_total, stock, sold, fence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?)',
        [id, sku, strategy, stock, stock, now, now],
      );
    });
    return { id, sku, strategy, stockTotal: stock, stock, sold: 0, createdAt: now.toISOString() };
  }

  /** The sale as the primary has it (exact stock), or undefined. */
  async find(saleId: string): Promise<FlashSaleView | undefined> {
    if (!/^\d{1,20}$/.test(saleId)) return undefined;
    const rows = (await this.homeOf(saleId).read((em) => em.query('SELECT * FROM flash_sales WHERE id = ?', [saleId]), {
      primary: true,
    })) as SaleRow[];
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: String(r.id),
      sku: r.sku,
      strategy: r.strategy,
      stockTotal: Number(r.stock_total),
      stock: Number(r.stock),
      sold: Number(r.sold),
      createdAt: new Date(r.created_at).toISOString(),
    };
  }

  /** Stock, sold and fence as the primary has them now (what a lock holder reads before it writes). */
  async readState(saleId: string): Promise<SaleState> {
    const rows = (await this.homeOf(saleId).read((em) => em.query('SELECT stock, sold, fence FROM flash_sales WHERE id = ?', [saleId]), {
      primary: true,
    })) as { stock: number; sold: number; fence: string }[];
    const r = rows[0];
    if (!r) throw new Error(`flash sale ${saleId} vanished`);
    return { stock: Number(r.stock), sold: Number(r.sold), fence: BigInt(r.fence) };
  }

  /**
   * The locked path: writes the state a lock holder computed from `observed`
   * (one unit less) and the buyer's purchase, only if `token` is higher than
   * the sale's fence. Throws {@link SoldOutError}, {@link AlreadyPurchasedError}
   * or {@link StaleLockTokenError} (nothing written).
   */
  async writeLocked(saleId: string, userId: string, token: bigint, observed: SaleState): Promise<void> {
    if (observed.stock <= 0) throw new SoldOutError(saleId);
    const home = this.homeOf(saleId);
    await home.write(async (em) => {
      const now = new Date();
      const r = await em.query('UPDATE flash_sales SET stock = ?, sold = ?, fence = ?, updated_at = ? WHERE id = ? AND fence < ?', [
        observed.stock - 1,
        observed.sold + 1,
        token.toString(),
        now,
        saleId,
        token.toString(),
      ]);
      if (affected(r) !== 1) {
        const seen = (await em.query('SELECT fence FROM flash_sales WHERE id = ?', [saleId])) as { fence: string }[];
        throw new StaleLockTokenError(saleId, token, BigInt(seen[0]?.fence ?? 0));
      }
      await this.insertPurchase(em, saleId, userId, 'pending', token, now);
    });
  }

  /** The lock-free path: one conditional UPDATE (`stock > 0`) and the purchase row, in one transaction. */
  async claimAtomic(saleId: string, userId: string): Promise<void> {
    await this.homeOf(saleId).write(async (em) => {
      const now = new Date();
      const r = await em.query('UPDATE flash_sales SET stock = stock - 1, sold = sold + 1, updated_at = ? WHERE id = ? AND stock > 0', [
        now,
        saleId,
      ]);
      if (affected(r) !== 1) throw new SoldOutError(saleId);
      await this.insertPurchase(em, saleId, userId, 'pending', null, now);
    });
  }

  private async insertPurchase(
    em: EntityManager,
    saleId: string,
    userId: string,
    state: 'pending' | 'rejected',
    token: bigint | null,
    now: Date,
    reason: string | null = null,
  ): Promise<void> {
    try {
      await em.query(
        'INSERT INTO flash_sale_purchases (sale_id, user_id, state, order_id, token, reason, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)',
        [saleId, userId, state, token?.toString() ?? null, reason, now, now],
      );
    } catch (e) {
      if (isDuplicate(e)) throw new AlreadyPurchasedError(saleId, 'recorded');
      throw e;
    }
  }

  /** Records that a reservation found no unit in the database (idempotent). */
  async reject(saleId: string, userId: string, reason: string): Promise<void> {
    const now = new Date();
    await this.homeOf(saleId).write((em) =>
      em.query(
        "INSERT IGNORE INTO flash_sale_purchases (sale_id, user_id, state, created_at, updated_at, reason) VALUES (?, ?, 'rejected', ?, ?, ?)",
        [saleId, userId, now, now, reason.slice(0, 160)],
      ),
    );
  }

  async markOrdered(saleId: string, userId: string, orderId: string): Promise<void> {
    await this.homeOf(saleId).write((em) =>
      em.query(
        "UPDATE flash_sale_purchases SET state = 'ordered', order_id = ?, updated_at = ? WHERE sale_id = ? AND user_id = ? AND state = 'pending'",
        [orderId, new Date(), saleId, userId],
      ),
    );
  }

  /** This buyer's purchase in the sale, from the primary. */
  async purchaseOf(saleId: string, userId: string): Promise<PurchaseRecord | undefined> {
    const rows = (await this.homeOf(saleId).read(
      (em) =>
        em.query(
          'SELECT sale_id, user_id, state, order_id, reason, updated_at FROM flash_sale_purchases WHERE sale_id = ? AND user_id = ?',
          [saleId, userId],
        ),
      { primary: true },
    )) as PurchaseRow[];
    const r = rows[0];
    return r && { view: toPurchaseView(r), changedAt: new Date(r.updated_at).getTime() };
  }

  /** Purchases still `pending` (unit taken, order not yet recorded) whose last change is older than `olderThanMs`. */
  async stalePending(olderThanMs: number, limit: number): Promise<{ saleId: string; userId: string }[]> {
    const cutoff = new Date(Date.now() - olderThanMs);
    const out: { saleId: string; userId: string }[] = [];
    for (const home of this.homes()) {
      const rows = (await home.read(
        (em) =>
          em.query("SELECT sale_id, user_id FROM flash_sale_purchases WHERE state = 'pending' AND updated_at < ? LIMIT ?", [cutoff, limit]),
        { primary: true },
      )) as PurchaseRow[];
      out.push(...rows.map((r) => ({ saleId: String(r.sale_id), userId: String(r.user_id) })));
    }
    return out;
  }

  /** Buyers with a purchase row (any state) in the sale. */
  async buyers(saleId: string): Promise<string[]> {
    const rows = (await this.homeOf(saleId).read((em) => em.query('SELECT user_id FROM flash_sale_purchases WHERE sale_id = ?', [saleId]), {
      primary: true,
    })) as PurchaseRow[];
    return rows.map((r) => String(r.user_id));
  }

  /** Time of the sale's last stock change, as the database recorded it. */
  async lastChange(saleId: string): Promise<{ stock: number; updatedAt: number }> {
    const rows = (await this.homeOf(saleId).read((em) => em.query('SELECT stock, updated_at FROM flash_sales WHERE id = ?', [saleId]), {
      primary: true,
    })) as SaleRow[];
    const r = rows[0];
    if (!r) throw new Error(`flash sale ${saleId} vanished`);
    return { stock: Number(r.stock), updatedAt: new Date(r.updated_at).getTime() };
  }

  /** `redis-reserve` sales of the last day with stock left or a change within `recentMs`: what the reconciler looks at. */
  async activeReserveSales(recentMs: number): Promise<SaleRef[]> {
    const since = new Date(Date.now() - recentMs);
    const out: SaleRef[] = [];
    for (const home of this.homes()) {
      const rows = (await home.read(
        (em) =>
          em.query(
            "SELECT id, sku, strategy, stock_total FROM flash_sales WHERE strategy = 'redis-reserve' AND created_at > ? AND (stock > 0 OR updated_at > ?)",
            [new Date(Date.now() - 24 * 3600_000), since],
          ),
        { primary: true },
      )) as SaleRow[];
      out.push(...rows.map((r) => ({ id: String(r.id), sku: r.sku, strategy: r.strategy, stockTotal: Number(r.stock_total) })));
    }
    return out;
  }
}

function toPurchaseView(r: PurchaseRow): FlashSalePurchaseView {
  return {
    saleId: String(r.sale_id),
    userId: String(r.user_id),
    state: r.state,
    orderId: r.order_id === null ? null : String(r.order_id),
    ...(r.reason ? { reason: r.reason } : {}),
  };
}
