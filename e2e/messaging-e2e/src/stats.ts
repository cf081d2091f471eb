import { mysqlAdmin, ORDER_SERVERS } from '@dsp/testing';

/** user_order_stats rows of these users, by raw SQL on cluster 0's primary. */
export async function statsOf(userIds: string[]): Promise<Map<string, { orders: number; paid: number; spent: number }>> {
  const out = new Map<string, { orders: number; paid: number; spent: number }>();
  if (userIds.length === 0) return out;
  const rows = await mysqlAdmin.query<{ user_id: string; orders_count: string; paid_count: string; total_spent_cents: string }>(
    'mysql-c0-primary',
    'SELECT user_id, orders_count, paid_count, total_spent_cents FROM user_db.user_order_stats WHERE user_id IN (?)',
    [userIds],
  );
  for (const r of rows)
    out.set(String(r.user_id), { orders: Number(r.orders_count), paid: Number(r.paid_count), spent: Number(r.total_spent_cents) });
  return out;
}

/** Runs `query` on every physical order table (both clusters, both table indexes). */
export async function eachOrderTable(query: (server: string, db: string, t: number) => Promise<void>): Promise<void> {
  for (const [db, server] of Object.entries(ORDER_SERVERS)) {
    for (const t of [0, 1]) await query(server, db, t);
  }
}

/** Outbox rows of these orders still unpublished, over both clusters and all tables. */
export async function unpublished(orderIds: string[]): Promise<number> {
  if (orderIds.length === 0) return 0;
  let n = 0;
  await eachOrderTable(async (server, db, t) => {
    const rows = await mysqlAdmin.query(
      server,
      `SELECT COUNT(*) AS n FROM ${db}.outbox_${t} WHERE published_at IS NULL AND msg_key IN (?)`,
      [orderIds],
    );
    n += Number(rows[0]?.['n']);
  });
  return n;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i] as T, i);
      }
    }),
  );
}
