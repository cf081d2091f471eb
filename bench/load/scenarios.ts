import { randomUUID } from 'node:crypto';
import { FLASH_SALE_STRATEGIES, type FlashSaleStrategyName, type FlashSaleView } from '@dsp/contracts';
import { LOAD_PASSWORD, type Buyer } from '@dsp/ops';
import type { RequestPlan } from './run-load';

/** What a scenario needs from the run: the gateway, logged-in buyers, the admin token. */
export interface ScenarioContext {
  gatewayUrl: string;
  buyers: readonly Buyer[];
  adminToken: string;
  /** Units per flash sale. */
  stock: number;
}

/** A load scenario: `prepare` sets up what it needs (a sale...) and returns the request plan; `after` reports facts once the load stopped. */
export interface Scenario {
  name: string;
  describe: string;
  prepare(ctx: ScenarioContext): Promise<{ plan: RequestPlan; after?: () => Promise<Record<string, unknown>> }>;
}

function rotate<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length] as T;
}

async function call(
  ctx: ScenarioContext,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const r = await fetch(ctx.gatewayUrl + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A product and a sale of it; the sale's id. */
export async function startFlashSale(ctx: ScenarioContext, strategy: FlashSaleStrategyName, stock: number): Promise<FlashSaleView> {
  const admin = { authorization: `Bearer ${ctx.adminToken}` };
  const sku = `LOAD-${randomUUID().slice(0, 8).toUpperCase()}`;
  await call(ctx, 'PUT', `/api/admin/products/${sku}`, { name: `load ${strategy}`, priceCents: '990' }, admin);
  return (await call(ctx, 'POST', '/api/flash-sales', { sku, stock, strategy }, admin)) as FlashSaleView;
}

/** Waits until the sale stops changing (queued reservations applied), then reads it. */
export async function settledSale(ctx: ScenarioContext, saleId: string, quietMs = 1500, maxMs = 60_000): Promise<FlashSaleView> {
  const deadline = Date.now() + maxMs;
  let last = (await call(ctx, 'GET', `/api/flash-sales/${saleId}`)) as FlashSaleView;
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = (await call(ctx, 'GET', `/api/flash-sales/${saleId}`)) as FlashSaleView;
    if (now.sold !== last.sold) since = Date.now();
    last = now;
    if (Date.now() - since >= quietMs) break;
  }
  return last;
}

const flashSale = (strategy: FlashSaleStrategyName): Scenario => ({
  name: `flash-sale:${strategy}`,
  describe: `each request a different buyer buys one unit of a ${strategy} sale (sold vs stock reported)`,
  async prepare(ctx) {
    const sale = await startFlashSale(ctx, strategy, ctx.stock);
    const buyer = rotate(ctx.buyers);
    return {
      plan: { method: 'POST', next: () => ({ path: `/api/flash-sales/${sale.id}/purchase`, headers: { cookie: buyer().cookie } }) },
      after: async () => {
        const s = await settledSale(ctx, sale.id);
        return { saleId: s.id, strategy, stock: s.stockTotal, sold: s.sold, left: s.stock, oversold: Math.max(0, s.sold - s.stockTotal) };
      },
    };
  },
});

/** One SKU-MUG per request as rotating buyers; the synchronous path needs an Idempotency-Key, a fresh one each time. */
const placeOrder = (name: string, path: string, describe: string): Scenario => ({
  name,
  describe,
  async prepare(ctx) {
    const buyer = rotate(ctx.buyers);
    const body = JSON.stringify({ items: [{ sku: 'SKU-MUG', quantity: 1 }] });
    const keyed = path === '/api/orders';
    return {
      plan: {
        method: 'POST',
        next: () => ({
          path,
          headers: {
            cookie: buyer().cookie,
            'content-type': 'application/json',
            ...(keyed ? { 'idempotency-key': `load-${randomUUID()}` } : {}),
          },
          body,
        }),
      },
    };
  },
});

/** Every scenario, by name. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'browse',
    describe: 'anonymous GET of a flash sale page (stock and sold, read on the primary)',
    async prepare(ctx) {
      const sale = await startFlashSale(ctx, 'db-atomic', ctx.stock);
      return { plan: { method: 'GET', next: () => ({ path: `/api/flash-sales/${sale.id}` }) } };
    },
  },
  {
    name: 'login',
    describe: 'POST /api/sessions with rotating buyers (scrypt per login; the per-IP login limit answers 429 once exceeded)',
    async prepare(ctx) {
      const buyer = rotate(ctx.buyers);
      return {
        plan: {
          method: 'POST',
          next: () => ({
            path: '/api/sessions',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: buyer().username, password: LOAD_PASSWORD }),
          }),
        },
      };
    },
  },
  {
    name: 'my-orders',
    describe: 'GET /api/orders?limit=20 as rotating buyers (one shard each, replica reads)',
    async prepare(ctx) {
      const buyer = rotate(ctx.buyers);
      return { plan: { method: 'GET', next: () => ({ path: '/api/orders?limit=20', headers: { cookie: buyer().cookie } }) } };
    },
  },
  placeOrder(
    'place-order',
    '/api/orders',
    'POST /api/orders (synchronous: idempotency key, sharded insert, outbox row) as rotating buyers',
  ),
  placeOrder(
    'place-order-async',
    '/api/orders/async',
    'POST /api/orders/async (peak shaving: queued on Kafka, 202 + ticket) as rotating buyers',
  ),
  ...FLASH_SALE_STRATEGIES.map(flashSale),
];

/** The scenario called `name`; an unknown name throws, listing the known ones. */
export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown load scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(', ')}, all`);
  return s;
}
