import { createHash, randomUUID } from 'node:crypto';
import { TOPICS, type OrderEventV1, type OrderLineRequest, type OrderPage, type OrderView } from '@dsp/contracts';
import {
  GtidPosition,
  KeysetCursor,
  newestFirst,
  type EntityManager,
  type ReadRoute,
  type ShardRouter,
  type ShardTarget,
  type SnowflakeIdGenerator,
} from '@dsp/database';
import { IdempotencyInFlightError, IdempotencyMismatchError, OrderNotFoundError, OrderStateError, UnknownSkuError } from './order-errors';
import { ORDER_TABLES } from './order-tables';

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

type OrderRow = {
  id: string;
  user_id: string;
  status: OrderView['status'];
  total_cents: string;
  currency: string;
  created_at: Date;
  updated_at: Date;
};
type ItemRow = { order_id: string; line_no: number; sku: string; quantity: number; unit_price_cents: string };
type IdemRow = { request_hash: string; state: 'in_flight' | 'done'; response: string | OrderView | null; created_at: Date };

const ORDER_COLUMNS = 'id, user_id, status, total_cents, currency, created_at, updated_at';

function isDuplicate(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string } };
  return (err.driverError?.code ?? err.code) === 'ER_DUP_ENTRY';
}

/**
 * Orders sharded by user id over two clusters (seed lines 2-4).
 *
 * - A user's orders, items, idempotency keys and outbox rows live in one shard
 *   (binding tables): every write is one local transaction on one primary.
 * - Order ids are snowflakes carrying the shard gene: `get` by id reads one table.
 * - `place` is idempotent per (user, Idempotency-Key): one order per key; a
 *   replay returns the first response; a different body is refused; a key
 *   still in flight is refused (a record left by a dead process is taken over
 *   after `inFlightTakeoverMs`).
 * - Every change writes its event to the shard's outbox in the same
 *   transaction (the relay publishes it; nothing is lost between the two).
 * - Reads follow read/write splitting with the caller's GTID position, so a
 *   user reads their own writes even from a lagging cluster.
 */
export class OrdersService {
  private readonly options: OrdersServiceOptions;

  constructor(
    private readonly router: ShardRouter,
    private readonly ids: () => SnowflakeIdGenerator,
    options: Partial<OrdersServiceOptions> = {},
  ) {
    this.options = { ...DEFAULT_ORDERS_SERVICE_OPTIONS, ...options };
  }

  /** The shard (data source name) holding a user's orders. */
  shardOf(userId: string): ShardTarget {
    return this.router.byKey(BigInt(userId));
  }

  static requestHash(lines: readonly OrderLineRequest[]): string {
    return createHash('sha256')
      .update(JSON.stringify(lines.map((l) => [l.sku, l.quantity])))
      .digest('hex');
  }

  async place(userId: string, key: string, lines: readonly OrderLineRequest[]): Promise<OrderWrite> {
    const uid = BigInt(userId);
    const shard = this.router.byKey(uid);
    const idem = shard.table(ORDER_TABLES.idempotency);
    const hash = OrdersService.requestHash(lines);
    const now = new Date();

    for (let attempt = 0; ; attempt++) {
      try {
        await shard.source.write((em) =>
          em.query(`INSERT INTO ${idem} (user_id, idem_key, request_hash, state, created_at) VALUES (?, ?, ?, 'in_flight', ?)`, [
            userId,
            key,
            hash,
            now,
          ]),
        );
        break;
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        const outcome = await this.resolveExistingKey(shard, userId, key, hash);
        if (outcome === 'proceed') break;
        if (outcome !== 'insert-again') return outcome;
        if (attempt >= 2) throw new IdempotencyInFlightError(key);
      }
    }

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
        await this.appendEvent(em, shard, TOPICS.orderCreated, 'order.created', order, now);
        const done = (await em.query(
          `UPDATE ${idem} SET state = 'done', status_code = 201, response = ? WHERE user_id = ? AND idem_key = ? AND state = 'in_flight'`,
          [JSON.stringify(order), userId, key],
        )) as { affectedRows: number };
        if (done.affectedRows !== 1) throw new IdempotencyInFlightError(key);
      });
      return { order, replayed: false, source: shard.source.name, position: gtid };
    } catch (e) {
      // Free the key so the client can retry: nothing of the order was committed.
      await shard.source
        .write((em) => em.query(`DELETE FROM ${idem} WHERE user_id = ? AND idem_key = ? AND state = 'in_flight'`, [userId, key]))
        .catch(() => undefined);
      throw e;
    }
  }

  /** A key seen before: replay it, refuse it, take it over (abandoned: `proceed`), or it vanished meanwhile (`insert-again`). */
  private async resolveExistingKey(
    shard: ShardTarget,
    userId: string,
    key: string,
    hash: string,
  ): Promise<OrderWrite | 'proceed' | 'insert-again'> {
    const idem = shard.table(ORDER_TABLES.idempotency);
    const rows = (await shard.source.read(
      (em) => em.query(`SELECT request_hash, state, response, created_at FROM ${idem} WHERE user_id = ? AND idem_key = ?`, [userId, key]),
      { primary: true },
    )) as IdemRow[];
    const row = rows[0];
    if (!row) return 'insert-again'; // the first attempt failed and freed the key meanwhile
    if (row.request_hash !== hash) throw new IdempotencyMismatchError(key);
    if (row.state === 'done') {
      const order = (typeof row.response === 'string' ? JSON.parse(row.response) : row.response) as OrderView;
      return { order, replayed: true, source: shard.source.name, position: GtidPosition.EMPTY };
    }
    const cutoff = new Date(Date.now() - this.options.inFlightTakeoverMs);
    const { result: taken } = await shard.source.write(
      async (em) =>
        (
          (await em.query(
            `UPDATE ${idem} SET created_at = ? WHERE user_id = ? AND idem_key = ? AND state = 'in_flight' AND created_at < ?`,
            [new Date(), userId, key, cutoff],
          )) as { affectedRows: number }
        ).affectedRows,
    );
    if (taken !== 1) throw new IdempotencyInFlightError(key);
    return 'proceed';
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

  private async appendEvent(
    em: EntityManager,
    shard: ShardTarget,
    topic: string,
    type: OrderEventV1['type'],
    order: OrderView,
    at: Date,
  ): Promise<void> {
    const event: OrderEventV1 = {
      eventId: randomUUID(),
      type,
      version: 1,
      aggregateId: order.id,
      occurredAt: at.toISOString(),
      payload: { orderId: order.id, userId: order.userId, status: order.status, totalCents: order.totalCents, currency: order.currency },
    } as OrderEventV1;
    await em.query(
      `INSERT INTO ${shard.table(ORDER_TABLES.outbox)} (event_id, topic, msg_key, payload, created_at) VALUES (?, ?, ?, ?, ?)`,
      [event.eventId, topic, order.id, JSON.stringify(event), at],
    );
  }

  /** One order of this user, from exactly one table (chosen by the id's gene). */
  async get(userId: string, orderId: string, minPosition?: GtidPosition): Promise<{ order: OrderView; route: ReadRoute }> {
    const id = parseId(orderId);
    const shard = this.router.byId(id);
    const found = await shard.source.read(
      async (em, route) => {
        const rows = (await em.query(`SELECT ${ORDER_COLUMNS} FROM ${shard.table(ORDER_TABLES.orders)} WHERE id = ? AND user_id = ?`, [
          orderId,
          userId,
        ])) as OrderRow[];
        if (!rows[0]) return undefined;
        const items = await this.itemsOf(em, shard, [orderId]);
        return { order: toView(rows[0], items.get(orderId) ?? []), route };
      },
      { minPosition },
    );
    if (!found) throw new OrderNotFoundError(orderId);
    return found;
  }

  /** A user's orders, newest first, one shard, keyset-paged. */
  async listMine(userId: string, limit: number, cursor?: string, minPosition?: GtidPosition): Promise<OrderPage & { route: ReadRoute }> {
    const shard = this.router.byKey(BigInt(userId));
    return shard.source.read(
      async (em, route) => {
        const rows = await this.page(em, shard, limit, cursor, userId);
        const items = await this.itemsOf(
          em,
          shard,
          rows.map((r) => String(r.id)),
        );
        const orders = rows.map((r) => toView(r, items.get(String(r.id)) ?? []));
        return { orders, nextCursor: nextCursor(orders, limit), route };
      },
      { minPosition },
    );
  }

  /** The newest orders of everyone: scatter-gather over every shard, merged exactly (admin view). */
  async latest(limit: number, cursor?: string): Promise<OrderPage> {
    const merged = await this.router.scatterGather(
      'the admin order listing',
      (shard) =>
        shard.source.read(async (em) => {
          const rows = await this.page(em, shard, limit, cursor);
          const items = await this.itemsOf(
            em,
            shard,
            rows.map((r) => String(r.id)),
          );
          return rows.map((r) => toView(r, items.get(String(r.id)) ?? []));
        }),
      (a, b) => newestFirst(keysetOf(a), keysetOf(b)),
      limit,
    );
    return { orders: merged, nextCursor: nextCursor(merged, limit) };
  }

  private async page(em: EntityManager, shard: ShardTarget, limit: number, cursor?: string, userId?: string): Promise<OrderRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (userId !== undefined) {
      where.push('user_id = ?');
      params.push(userId);
    }
    if (cursor) {
      const k = KeysetCursor.decode(cursor);
      const at = new Date(k.createdAtMs);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(at, at, k.id);
    }
    params.push(limit);
    return (await em.query(
      `SELECT ${ORDER_COLUMNS} FROM ${shard.table(ORDER_TABLES.orders)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
      params,
    )) as OrderRow[];
  }

  private async itemsOf(em: EntityManager, shard: ShardTarget, orderIds: string[]): Promise<Map<string, ItemRow[]>> {
    const map = new Map<string, ItemRow[]>();
    if (orderIds.length === 0) return map;
    const rows = (await em.query(
      `SELECT order_id, line_no, sku, quantity, unit_price_cents FROM ${shard.table(ORDER_TABLES.items)} WHERE order_id IN (${orderIds.map(() => '?').join(', ')}) ORDER BY order_id, line_no`,
      orderIds,
    )) as ItemRow[];
    for (const r of rows) {
      const k = String(r.order_id);
      map.set(k, [...(map.get(k) ?? []), r]);
    }
    return map;
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
    const shard = this.router.byId(parseId(orderId));
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
      const items = await this.itemsOf(em, shard, [orderId]);
      const order = toView({ ...row, status: to, updated_at: now }, items.get(orderId) ?? []);
      await this.appendEvent(
        em,
        shard,
        to === 'PAID' ? TOPICS.orderPaid : TOPICS.orderCancelled,
        to === 'PAID' ? 'order.paid' : 'order.cancelled',
        order,
        now,
      );
      return order;
    });
    return { order: result, replayed: false, source: shard.source.name, position: gtid };
  }
}

function parseId(orderId: string): bigint {
  if (!/^\d{1,20}$/.test(orderId)) throw new OrderNotFoundError(orderId);
  return BigInt(orderId);
}

function toView(r: OrderRow, items: ItemRow[]): OrderView {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    status: r.status,
    currency: r.currency,
    totalCents: String(r.total_cents),
    items: items.map((i) => ({ sku: i.sku, quantity: Number(i.quantity), unitPriceCents: String(i.unit_price_cents) })),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

function keysetOf(o: OrderView): { createdAtMs: number; id: string } {
  return { createdAtMs: Date.parse(o.createdAt), id: o.id };
}

function nextCursor(orders: OrderView[], limit: number): string | null {
  const last = orders[orders.length - 1];
  return orders.length === limit && last ? KeysetCursor.encode(keysetOf(last)) : null;
}
