import { TOPICS, type OrderLineRequest, type OrderPage, type OrderView } from '@dsp/contracts';
import {
  GtidPosition,
  newestFirst,
  type ReadAfter,
  type ReadRoute,
  type ShardRouter,
  type ShardTarget,
  type SnowflakeIdGenerator,
} from '@dsp/database';
import { IdempotencyKeys } from './idempotency-keys';
import { OrderNotFoundError, OrderStateError, UnknownSkuError } from './order-errors';
import {
  keysetOf,
  nextCursor,
  ORDER_COLUMNS,
  orderItems,
  orderPage,
  orderViews,
  parseOrderId,
  toOrderView,
  type OrderRow,
} from './order-rows';
import { ORDER_TABLES } from './order-tables';
import { appendOrderEvent } from './outbox';

export interface OrdersServiceOptions {
  /** An `in_flight` idempotency record older than this was abandoned (its process died) and may be taken over, in ms. @default 30000 */
  inFlightTakeoverMs: number;
  /** Currency of every order. @default 'EUR' */
  currency: string;
}

export const DEFAULT_ORDERS_SERVICE_OPTIONS: OrdersServiceOptions = { inFlightTakeoverMs: 30_000, currency: 'EUR' };

/** The result of a write: what to return, and the GTID position the user's next reads on that shard must see. */
export interface OrderWrite {
  order: OrderView;
  /** True when an Idempotency-Key replay returned the first response. */
  replayed: boolean;
  source: string;
  position: GtidPosition;
}

/**
 * Orders sharded by user id over two clusters (docs/notes.md, points 2-4).
 *
 * - A user's orders, items, idempotency keys and outbox rows live in one shard
 *   (binding tables): every write is one local transaction on one primary.
 * - Order ids are snowflakes carrying the shard gene: `get` by id reads one table.
 * - `place` is idempotent per (user, Idempotency-Key) ({@link IdempotencyKeys}):
 *   one order per key; a replay returns the first response; a different body
 *   is refused; a key still in flight is refused (a record left by a dead
 *   process is taken over after `inFlightTakeoverMs`).
 * - Every change writes its event to the shard's outbox in the same
 *   transaction (`outbox/`: the relay publishes it; nothing is lost between the two).
 * - Reads follow read/write splitting with the caller's read positions
 *   (`after`), so a user reads their own writes even from a lagging cluster.
 */
export class OrdersService {
  private readonly options: OrdersServiceOptions;
  private readonly keys: IdempotencyKeys;

  constructor(
    private readonly router: ShardRouter,
    private readonly ids: () => SnowflakeIdGenerator,
    options: Partial<OrdersServiceOptions> = {},
  ) {
    this.options = { ...DEFAULT_ORDERS_SERVICE_OPTIONS, ...options };
    this.keys = new IdempotencyKeys(this.options.inFlightTakeoverMs);
  }

  /** The shard holding a user's orders. */
  private shardOf(userId: string): ShardTarget {
    return this.router.byKey(BigInt(userId));
  }

  async place(userId: string, key: string, lines: readonly OrderLineRequest[]): Promise<OrderWrite> {
    const uid = BigInt(userId);
    const shard = this.router.byKey(uid);
    const now = new Date();
    const replay = await this.keys.claim(shard, userId, key, IdempotencyKeys.requestHash(lines), now);
    if (replay) return { order: replay, replayed: true, source: shard.source.name, position: GtidPosition.EMPTY };

    try {
      const prices = await this.prices(
        shard,
        lines.map((l) => l.sku),
      );
      const id = this.ids().next(this.router.geneFor(uid)).toString();
      const items = lines.map((l, i) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: prices.get(l.sku) as string, lineNo: i + 1 }));
      const total = items.reduce((s, it) => s + BigInt(it.unitPriceCents) * BigInt(it.quantity), 0n);
      const order: OrderView = {
        id,
        userId,
        status: 'CREATED',
        currency: this.options.currency,
        totalCents: total.toString(),
        items: items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      const { gtid } = await shard.source.write(async (em) => {
        await em.query(`INSERT INTO ${shard.table(ORDER_TABLES.orders)} (${ORDER_COLUMNS}) VALUES (?, ?, 'CREATED', ?, ?, ?, ?)`, [
          id,
          userId,
          order.totalCents,
          order.currency,
          now,
          now,
        ]);
        for (const it of items) {
          await em.query(
            `INSERT INTO ${shard.table(ORDER_TABLES.items)} (order_id, line_no, sku, quantity, unit_price_cents) VALUES (?, ?, ?, ?, ?)`,
            [id, it.lineNo, it.sku, it.quantity, it.unitPriceCents],
          );
        }
        await appendOrderEvent(em, shard, TOPICS.orderCreated, 'order.created', order, now);
        await this.keys.complete(em, shard, userId, key, order);
      });
      return { order, replayed: false, source: shard.source.name, position: gtid };
    } catch (e) {
      await this.keys.release(shard, userId, key); // nothing of the order was committed: the client may retry
      throw e;
    }
  }

  private async prices(shard: ShardTarget, skus: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(skus)];
    const rows = (await shard.source.read((em) =>
      em.query(`SELECT sku, price_cents FROM products WHERE sku IN (${unique.map(() => '?').join(', ')})`, unique),
    )) as { sku: string; price_cents: string }[];
    const map = new Map(rows.map((r) => [r.sku, String(r.price_cents)]));
    const missing = unique.filter((s) => !map.has(s));
    if (missing.length) throw new UnknownSkuError(missing);
    return map;
  }

  /** One order of this user, from exactly one table (chosen by the id's gene), never older than the caller's own writes. */
  async get(userId: string, orderId: string, after?: ReadAfter): Promise<{ order: OrderView; route: ReadRoute }> {
    const shard = this.router.byId(parseOrderId(orderId));
    const found = await shard.source.read(
      async (em, route) => {
        const rows = (await em.query(`SELECT ${ORDER_COLUMNS} FROM ${shard.table(ORDER_TABLES.orders)} WHERE id = ? AND user_id = ?`, [
          orderId,
          userId,
        ])) as OrderRow[];
        const [order] = await orderViews(em, shard, rows);
        return order && { order, route };
      },
      { after },
    );
    if (!found) throw new OrderNotFoundError(orderId);
    return found;
  }

  /** A user's orders, newest first, one shard, keyset-paged, never older than the caller's own writes. */
  async listMine(userId: string, limit: number, cursor?: string, after?: ReadAfter): Promise<OrderPage & { route: ReadRoute }> {
    const shard = this.shardOf(userId);
    return shard.source.read(
      async (em, route) => {
        const orders = await orderViews(em, shard, await orderPage(em, shard, limit, cursor, userId));
        return { orders, nextCursor: nextCursor(orders, limit), route };
      },
      { after },
    );
  }

  /** The newest orders of everyone: scatter-gather over every shard, merged exactly (admin view). */
  async latest(limit: number, cursor?: string): Promise<OrderPage> {
    const merged = await this.router.scatterGather(
      'the admin order listing',
      (shard) => shard.source.read(async (em) => orderViews(em, shard, await orderPage(em, shard, limit, cursor))),
      (a, b) => newestFirst(keysetOf(a), keysetOf(b)),
      limit,
    );
    return { orders: merged, nextCursor: nextCursor(merged, limit) };
  }

  /** CREATED -> PAID. */
  pay(userId: string, orderId: string): Promise<OrderWrite> {
    return this.transition(userId, orderId, 'PAID', 'pay');
  }

  /** CREATED -> CANCELLED. */
  cancel(userId: string, orderId: string): Promise<OrderWrite> {
    return this.transition(userId, orderId, 'CANCELLED', 'cancel');
  }

  private async transition(userId: string, orderId: string, to: 'PAID' | 'CANCELLED', action: string): Promise<OrderWrite> {
    const shard = this.router.byId(parseOrderId(orderId));
    const orders = shard.table(ORDER_TABLES.orders);
    const now = new Date();
    const { result, gtid } = await shard.source.write(async (em) => {
      const rows = (await em.query(`SELECT ${ORDER_COLUMNS} FROM ${orders} WHERE id = ? AND user_id = ? FOR UPDATE`, [
        orderId,
        userId,
      ])) as OrderRow[];
      const row = rows[0];
      if (!row) throw new OrderNotFoundError(orderId);
      if (row.status !== 'CREATED') throw new OrderStateError(orderId, row.status, action);
      await em.query(`UPDATE ${orders} SET status = ?, updated_at = ? WHERE id = ?`, [to, now, orderId]);
      const items = await orderItems(em, shard, [orderId]);
      const order = toOrderView({ ...row, status: to, updated_at: now }, items.get(orderId) ?? []);
      const [topic, type] =
        to === 'PAID' ? ([TOPICS.orderPaid, 'order.paid'] as const) : ([TOPICS.orderCancelled, 'order.cancelled'] as const);
      await appendOrderEvent(em, shard, topic, type, order, now);
      return order;
    });
    return { order: result, replayed: false, source: shard.source.name, position: gtid };
  }
}
