import type { OrderView } from '@dsp/contracts';
import { KeysetCursor, type EntityManager, type ShardTarget } from '@dsp/database';
import { OrderNotFoundError } from './order-errors';
import { ORDER_TABLES } from './order-tables';

/** An order row as the physical `orders_<t>` tables hold it. */
export type OrderRow = {
  id: string;
  user_id: string;
  status: OrderView['status'];
  total_cents: string;
  currency: string;
  created_at: Date;
  updated_at: Date;
};

/** An order line as the physical `order_items_<t>` tables hold it. */
export type ItemRow = { order_id: string; line_no: number; sku: string; quantity: number; unit_price_cents: string };

/** The columns of `orders_<t>`, in the order the INSERT writes them. */
export const ORDER_COLUMNS = 'id, user_id, status, total_cents, currency, created_at, updated_at';

/** An order id from a path: digits only, else the order does not exist (404, never a 500). */
export function parseOrderId(orderId: string): bigint {
  if (!/^\d{1,20}$/.test(orderId)) throw new OrderNotFoundError(orderId);
  return BigInt(orderId);
}

export function toOrderView(r: OrderRow, items: ItemRow[]): OrderView {
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

/** The keyset an order sorts by: newest first, ties broken by id. */
export function keysetOf(o: OrderView): { createdAtMs: number; id: string } {
  return { createdAtMs: Date.parse(o.createdAt), id: o.id };
}

/** The cursor of the page after `orders`, or null when this page is the last. */
export function nextCursor(orders: OrderView[], limit: number): string | null {
  const last = orders[orders.length - 1];
  return orders.length === limit && last ? KeysetCursor.encode(keysetOf(last)) : null;
}

/** One keyset page of a shard's orders table (one user's when `userId` is given), newest first. */
export async function orderPage(
  em: EntityManager,
  shard: ShardTarget,
  limit: number,
  cursor?: string,
  userId?: string,
): Promise<OrderRow[]> {
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

/** The lines of these orders (all on `shard`), by order id, in line order. */
export async function orderItems(em: EntityManager, shard: ShardTarget, orderIds: string[]): Promise<Map<string, ItemRow[]>> {
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

/** Orders with their lines, as views (rows read from one shard). */
export async function orderViews(em: EntityManager, shard: ShardTarget, rows: OrderRow[]): Promise<OrderView[]> {
  const items = await orderItems(
    em,
    shard,
    rows.map((r) => String(r.id)),
  );
  return rows.map((r) => toOrderView(r, items.get(String(r.id)) ?? []));
}
