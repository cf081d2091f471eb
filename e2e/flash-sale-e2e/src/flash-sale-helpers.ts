import { localAdminToken } from '@dsp/contracts';
/** Flash sales through the gateway, and the truth about them by raw SQL (bypassing the services). */
import { randomBytes } from 'node:crypto';
import type { FlashSalePurchaseView, FlashSaleStrategyName, FlashSaleView } from '@dsp/contracts';
import type { Buyer } from '@dsp/ops';
import { mysqlAdmin, ORDER_SERVERS } from '@dsp/testing';

export const ADMIN = { authorization: `Bearer ${process.env['ADMIN_TOKEN'] ?? localAdminToken()}`, 'content-type': 'application/json' };

/** A fresh SKU (so its orders can be counted alone) and a sale of it. */
export async function startSale(gatewayUrl: string, strategy: FlashSaleStrategyName, stock: number): Promise<FlashSaleView> {
  const sku = `FS-${strategy.toUpperCase().replace(/[^A-Z]/g, '')}-${randomBytes(3).toString('hex').toUpperCase()}`;
  const p = await fetch(`${gatewayUrl}/api/admin/products/${sku}`, {
    method: 'PUT',
    headers: ADMIN,
    body: JSON.stringify({ name: `flash ${strategy}`, priceCents: '990' }),
  });
  if (p.status !== 200) throw new Error(`product ${sku}: ${p.status} ${await p.text()}`);
  const r = await fetch(`${gatewayUrl}/api/flash-sales`, {
    method: 'POST',
    headers: ADMIN,
    body: JSON.stringify({ sku, stock, strategy }),
  });
  if (r.status !== 201) throw new Error(`start sale: ${r.status} ${await r.text()}`);
  return (await r.json()) as FlashSaleView;
}

export interface Attempt {
  buyer: Buyer;
  status: number;
  body: FlashSalePurchaseView & { message?: string };
  instance: string;
  /** The answer replays a purchase the buyer already held (`idempotent-replayed: true`). */
  replayed: boolean;
  /** 503 answers retried before the final one. */
  retries: number;
}

/** One purchase; 503 (lock busy, Redis or Kafka down) is retried until `deadline`, as a client would. */
export async function purchase(gatewayUrl: string, saleId: string, buyer: Buyer, deadline = Date.now() + 60_000): Promise<Attempt> {
  for (let retries = 0; ; retries++) {
    const r = await fetch(`${gatewayUrl}/api/flash-sales/${saleId}/purchase`, { method: 'POST', headers: { cookie: buyer.cookie } });
    const body = (await r.json()) as Attempt['body'];
    if ((r.status !== 503 && r.status !== 502) || Date.now() > deadline)
      return {
        buyer,
        status: r.status,
        body,
        instance: r.headers.get('x-upstream-instance') ?? '',
        replayed: r.headers.get('idempotent-replayed') === 'true',
        retries,
      };
    await new Promise((res) => setTimeout(res, 50 + Math.random() * 100));
  }
}

/** Every buyer once, `concurrency` in flight at a time, in random order. */
export async function race(gatewayUrl: string, saleId: string, buyers: readonly Buyer[], concurrency: number): Promise<Attempt[]> {
  const queue = [...buyers].sort(() => Math.random() - 0.5);
  const out: Attempt[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let b = queue.pop(); b; b = queue.pop()) out.push(await purchase(gatewayUrl, saleId, b));
    }),
  );
  return out;
}

export interface SaleTruth {
  stock: number;
  sold: number;
  stockTotal: number;
  fence: string;
  purchases: { user_id: string; state: string; order_id: string | null }[];
  /** user id of every order line of the sale's SKU, over the four physical order tables. */
  orderUsers: string[];
}

/** The sale, its purchases and its orders as the primaries have them. */
export async function saleTruth(saleId: string, sku: string): Promise<SaleTruth> {
  let sale: { stock: number; sold: number; stock_total: number; fence: string } | undefined;
  const purchases: SaleTruth['purchases'] = [];
  const orderUsers: string[] = [];
  // Purchases before the sale row: a purchase commits with (or after) the unit it took, so the
  // counters read next include every purchase read here, even while reservations are still being
  // applied (reading the sale first let two units committed in between show as orders without sales).
  for (const [db, server] of Object.entries(ORDER_SERVERS)) {
    purchases.push(
      ...(await mysqlAdmin.query<SaleTruth['purchases'][number]>(
        server,
        `SELECT user_id, state, order_id FROM ${db}.flash_sale_purchases WHERE sale_id = ?`,
        [saleId],
      )),
    );
  }
  for (const [db, server] of Object.entries(ORDER_SERVERS)) {
    const rows = await mysqlAdmin.query<{ stock: number; sold: number; stock_total: number; fence: string }>(
      server,
      `SELECT stock, sold, stock_total, fence FROM ${db}.flash_sales WHERE id = ?`,
      [saleId],
    );
    if (rows[0]) sale = rows[0];
  }
  // Orders after purchases: an order commits before its purchase is marked ordered, so every
  // `ordered` purchase read above has its order visible below.
  for (const [db, server] of Object.entries(ORDER_SERVERS)) {
    for (const t of [0, 1]) {
      const lines = await mysqlAdmin.query<{ user_id: string }>(
        server,
        `SELECT o.user_id FROM ${db}.orders_${t} o JOIN ${db}.order_items_${t} i ON i.order_id = o.id WHERE i.sku = ?`,
        [sku],
      );
      orderUsers.push(...lines.map((l) => String(l.user_id)));
    }
  }
  if (!sale) throw new Error(`flash sale ${saleId} is in no order database`);
  return {
    stock: Number(sale.stock),
    sold: Number(sale.sold),
    stockTotal: Number(sale.stock_total),
    fence: String(sale.fence),
    purchases: purchases.map((p) => ({ user_id: String(p.user_id), state: p.state, order_id: p.order_id && String(p.order_id) })),
    orderUsers,
  };
}

/** The buyer's purchase as the API reports it (`GET .../purchase`): its state, or undefined (404) when the buyer holds none. */
export async function heldBy(gatewayUrl: string, saleId: string, buyer: Buyer): Promise<FlashSalePurchaseView | undefined> {
  const r = await fetch(`${gatewayUrl}/api/flash-sales/${saleId}/purchase`, { headers: { cookie: buyer.cookie } });
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`GET purchase of buyer ${buyer.id}: ${r.status} ${await r.text()}`);
  return (await r.json()) as FlashSalePurchaseView;
}

/** What every buyer holds, as the API reports it, `concurrency` lookups at a time: user id -> purchase (buyers holding none left out). */
export async function holdings(
  gatewayUrl: string,
  saleId: string,
  buyers: readonly Buyer[],
  concurrency = 32,
): Promise<Map<string, FlashSalePurchaseView>> {
  const out = new Map<string, FlashSalePurchaseView>();
  const queue = [...buyers];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let b = queue.pop(); b; b = queue.pop()) {
        const p = await heldBy(gatewayUrl, saleId, b);
        if (p) out.set(b.id, p);
      }
    }),
  );
  return out;
}

export function tally(attempts: readonly Attempt[]): Record<number, number> {
  const t: Record<number, number> = {};
  for (const a of attempts) t[a.status] = (t[a.status] ?? 0) + 1;
  return t;
}
