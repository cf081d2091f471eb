import { randomUUID } from 'node:crypto';
import { FLASH_SALE_STRATEGIES, type FlashSaleStrategyName, type FlashSaleView } from '@dsp/contracts';
import { LOAD_PASSWORD, type Buyer } from '@dsp/ops';
import type { RequestPlan } from './run-load';

/** What a scenario needs from the run: the gateway, logged-in buyers, the admin token. */
export interface ScenarioContext {
  gatewayUrl: string;
  /** The buyers seeded for this run; empty when no chosen scenario needs them. */
  buyers: readonly Buyer[];
  /** How many buyers a run seeds (`--buyers`). */
  buyerCount: number;
  /** Seeds `count` more buyers (a scenario that uses up its sessions seeds its own). */
  seed(count: number): Promise<Buyer[]>;
  adminToken: string;
  /** Units per flash sale. */
  stock: number;
  /** A line of progress while a scenario prepares. */
  progress(line: string): void;
}

/** A load scenario: `prepare` sets up what it needs (a sale...) and returns the request plan; `after` reports facts once the load stopped. */
export interface Scenario {
  name: string;
  describe: string;
  /** The public operations its requests call, as `"METHOD /url"` (PUBLIC_ROUTES' spelling). */
  routes: readonly string[];
  /** Whether it runs as the run's seeded buyers (they are seeded only when a chosen scenario does). */
  buyers: boolean;
  prepare(ctx: ScenarioContext): Promise<{ plan: RequestPlan; after?: () => Promise<Record<string, unknown>> }>;
}

function rotate<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('this scenario runs as buyers, and none were seeded (--buyers must be at least 1)');
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
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
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
  routes: ['POST /api/flash-sales/:id/purchase'],
  buyers: true,
  async prepare(ctx) {
    const sale = await startFlashSale(ctx, strategy, ctx.stock);
    const buyer = rotate(ctx.buyers);
    return {
      plan: { method: 'POST', next: () => ({ path: `/api/flash-sales/${sale.id}/purchase`, headers: { cookie: buyer().cookie } }) },
      after: async () => {
        ctx.progress('waiting for the sale to settle (sold unchanged for 1.5 s)...');
        const s = await settledSale(ctx, sale.id);
        return { saleId: s.id, strategy, stock: s.stockTotal, sold: s.sold, left: s.stock, oversold: Math.max(0, s.sold - s.stockTotal) };
      },
    };
  },
});

const ORDER_BODY = JSON.stringify({ items: [{ sku: 'SKU-MUG', quantity: 1 }] });

/** One SKU-MUG per request as rotating buyers; the synchronous path needs an Idempotency-Key, a fresh one each time. */
const placeOrder = (name: string, path: string, describe: string): Scenario => ({
  name,
  describe,
  routes: [`POST ${path}`],
  buyers: true,
  async prepare(ctx) {
    const buyer = rotate(ctx.buyers);
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
          body: ORDER_BODY,
        }),
      },
    };
  },
});

/** How many orders (tickets, purchases) a scenario that reads or changes them makes first. */
const PREPARED = 100;

/** `f` over `items`, `width` at a time, with a progress line every batch. */
async function inBatches<T, R>(ctx: ScenarioContext, what: string, items: readonly T[], f: (t: T) => Promise<R>, width = 8): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    out.push(...(await Promise.all(items.slice(i, i + width).map(f))));
    if ((i / width) % 5 === 4 || i + width >= items.length) ctx.progress(`${what}: ${out.length}/${items.length}`);
  }
  return out;
}

/** One order each for the first {@link PREPARED} buyers: `[cookie, order id]`. */
async function prepareOrders(ctx: ScenarioContext): Promise<{ cookie: string; id: string }[]> {
  return inBatches(ctx, 'placing orders', ctx.buyers.slice(0, PREPARED), async (b) => {
    const o = (await call(ctx, 'POST', '/api/orders', JSON.parse(ORDER_BODY), {
      cookie: b.cookie,
      'idempotency-key': `load-${randomUUID()}`,
    })) as { id: string };
    return { cookie: b.cookie, id: o.id };
  });
}

/** An order call on prepared orders: `/api/orders/:id<suffix>`, each request the next order. */
const onOrders = (name: string, method: 'GET' | 'POST', suffix: string, describe: string): Scenario => ({
  name,
  describe,
  routes: [`${method} /api/orders/:id${suffix}`],
  buyers: true,
  async prepare(ctx) {
    const next = rotate(await prepareOrders(ctx));
    return {
      plan: {
        method,
        next: () => {
          const o = next();
          return { path: `/api/orders/${o.id}${suffix}`, headers: { cookie: o.cookie } };
        },
      },
    };
  },
});

/** A GET as rotating buyers. */
const asBuyers = (name: string, path: string, route: string, describe: string): Scenario => ({
  name,
  describe,
  routes: [route],
  buyers: true,
  async prepare(ctx) {
    const buyer = rotate(ctx.buyers);
    return { plan: { method: 'GET', next: () => ({ path, headers: { cookie: buyer().cookie } }) } };
  },
});

/** Every scenario, by name. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'browse',
    describe: 'anonymous GET of a flash sale page (stock and sold, read on the primary)',
    routes: ['GET /api/flash-sales/:id'],
    buyers: false,
    async prepare(ctx) {
      const sale = await startFlashSale(ctx, 'db-atomic', ctx.stock);
      return { plan: { method: 'GET', next: () => ({ path: `/api/flash-sales/${sale.id}` }) } };
    },
  },
  {
    name: 'login',
    describe: 'POST /api/sessions with rotating buyers (scrypt per login; the per-IP login limit answers 429 once exceeded)',
    routes: ['POST /api/sessions'],
    buyers: true,
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
    name: 'logout',
    describe: 'DELETE /api/sessions/current, each request ending one of --buyers sessions seeded for it (once all are ended: 401)',
    routes: ['DELETE /api/sessions/current'],
    buyers: false,
    async prepare(ctx) {
      const own = await ctx.seed(ctx.buyerCount);
      let i = 0;
      // Past the last session the cookie of an ended one: 401, the refusal path.
      return {
        plan: {
          method: 'DELETE',
          next: () => ({ path: '/api/sessions/current', headers: { cookie: (own[i++] ?? own[0])?.cookie ?? '' } }),
        },
      };
    },
  },
  asBuyers('me', '/api/users/me', 'GET /api/users/me', 'GET /api/users/me as rotating buyers (session check, replica read)'),
  asBuyers(
    'my-sessions',
    '/api/users/me/sessions',
    'GET /api/users/me/sessions',
    "GET /api/users/me/sessions as rotating buyers (the user's session index in Redis)",
  ),
  asBuyers(
    'my-orders',
    '/api/orders?limit=20',
    'GET /api/orders',
    'GET /api/orders?limit=20 as rotating buyers (one shard each, replica reads)',
  ),
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
  onOrders(
    'order',
    'GET',
    '',
    `GET /api/orders/:id over ${PREPARED} orders placed first, each as its owner (one table, found by the id's gene)`,
  ),
  onOrders(
    'pay',
    'POST',
    '/pay',
    `POST /api/orders/:id/pay over ${PREPARED} orders placed first: each order's first pay 200, every repeat 409`,
  ),
  onOrders(
    'cancel',
    'POST',
    '/cancel',
    `POST /api/orders/:id/cancel over ${PREPARED} orders placed first: each order's first cancel 200, every repeat 409`,
  ),
  {
    name: 'order-ticket',
    describe: `GET /api/orders/requests/:ticket over ${PREPARED} orders queued first, each as its owner`,
    routes: ['GET /api/orders/requests/:ticket'],
    buyers: true,
    async prepare(ctx) {
      const tickets = await inBatches(ctx, 'queueing orders', ctx.buyers.slice(0, PREPARED), async (b) => {
        const t = (await call(ctx, 'POST', '/api/orders/async', JSON.parse(ORDER_BODY), { cookie: b.cookie })) as { ticket: string };
        return { cookie: b.cookie, ticket: t.ticket };
      });
      const next = rotate(tickets);
      return {
        plan: {
          method: 'GET',
          next: () => {
            const t = next();
            return { path: `/api/orders/requests/${t.ticket}`, headers: { cookie: t.cookie } };
          },
        },
      };
    },
  },
  {
    name: 'purchase-status',
    describe: `GET /api/flash-sales/:id/purchase: ${PREPARED} buyers bought first, each reads their purchase`,
    routes: ['GET /api/flash-sales/:id/purchase'],
    buyers: true,
    async prepare(ctx) {
      const sale = await startFlashSale(ctx, 'db-atomic', Math.max(ctx.stock, PREPARED));
      const bought = ctx.buyers.slice(0, PREPARED);
      await inBatches(ctx, 'buying', bought, (b) =>
        call(ctx, 'POST', `/api/flash-sales/${sale.id}/purchase`, undefined, { cookie: b.cookie }),
      );
      const buyer = rotate(bought);
      return {
        plan: { method: 'GET', next: () => ({ path: `/api/flash-sales/${sale.id}/purchase`, headers: { cookie: buyer().cookie } }) },
      };
    },
  },
  {
    name: 'admin-orders',
    describe: 'GET /api/admin/orders?limit=20 as the operator (scatter-gather over every shard)',
    routes: ['GET /api/admin/orders'],
    buyers: false,
    async prepare(ctx) {
      const auth = `Bearer ${ctx.adminToken}`;
      return { plan: { method: 'GET', next: () => ({ path: '/api/admin/orders?limit=20', headers: { authorization: auth } }) } };
    },
  },
  {
    name: 'admin-products',
    describe: 'PUT /api/admin/products/:sku over 20 SKUs as the operator (a broadcast table: one write per cluster)',
    routes: ['PUT /api/admin/products/:sku'],
    buyers: false,
    async prepare(ctx) {
      const auth = `Bearer ${ctx.adminToken}`;
      const run = randomUUID().slice(0, 6).toUpperCase();
      let i = 0;
      return {
        plan: {
          method: 'PUT',
          next: () => ({
            path: `/api/admin/products/LOADP-${run}-${i % 20}`,
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `load product ${i % 20}`, priceCents: String(100 + (i++ % 900)) }),
          }),
        },
      };
    },
  },
  {
    name: 'admin-config',
    describe: "GET /api/admin/config/gateway as the operator (the gateway's live config, read through discovery)",
    routes: ['GET /api/admin/config/:app'],
    buyers: false,
    async prepare(ctx) {
      const auth = `Bearer ${ctx.adminToken}`;
      return { plan: { method: 'GET', next: () => ({ path: '/api/admin/config/gateway', headers: { authorization: auth } }) } };
    },
  },
  ...FLASH_SALE_STRATEGIES.map(flashSale),
  // @dsp/workspace:service load-scenarios
  // Last: it uses up the per-address registration window, which seeding (logout's own buyers) needs too.
  {
    name: 'register',
    describe: 'POST /api/users, a new name each time (scrypt per user; the per-address limit answers 429 once exceeded)',
    routes: ['POST /api/users'],
    buyers: false,
    async prepare() {
      const run = randomUUID().slice(0, 8);
      let i = 0;
      return {
        plan: {
          method: 'POST',
          next: () => ({
            path: '/api/users',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: `lr${run}-${i++}`, password: LOAD_PASSWORD }),
          }),
        },
      };
    },
  },
];

/**
 * Public operations no scenario loads, and why: each would undo what the
 * run's other scenarios stand on, or leave state behind per request.
 */
export const UNLOADED_OPERATIONS: Readonly<Record<string, string>> = {
  'DELETE /api/users/me/sessions':
    'revokes every session of the buyer, the sessions the other scenarios run on (logout loads the session-ending path)',
  'DELETE /api/users/me/sessions/:id':
    "ends a session by its handle, the session-ending work logout loads (it would need a fresh session per request, as logout's are)",
  'PUT /api/users/me/password': "revokes the buyer's other sessions and changes the password every seeded buyer shares",
  'GET /api/admin/config/:app/:key': "the same in-memory view as admin-config's, one key of it",
  'GET /api/admin/config/:app/:key/history': 'an operator read of ZooKeeper history nodes; admin-config loads the config path',
  'PUT /api/admin/config/:app/:key': 'changes the live config every instance follows, mid-run',
  'POST /api/admin/config/:app/:key/rollback': 'changes the live config every instance follows, mid-run',
  'PUT /api/admin/config/:app/:key/gray': 'changes the live config of tagged instances, mid-run',
  'DELETE /api/admin/config/:app/:key/gray': 'changes the live config of tagged instances, mid-run',
  'POST /api/admin/config/:app/:key/gray/promote': 'changes the live config every instance follows, mid-run',
  'POST /api/flash-sales':
    'an operator action: each request would leave a sale behind; every flash-sale scenario starts its sale through it',
};

/** The scenario called `name`; an unknown name throws, listing the known ones. */
export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown load scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(', ')}, all`);
  return s;
}
