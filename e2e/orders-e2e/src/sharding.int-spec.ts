import { localAdminToken } from '@dsp/contracts';
import { createHash } from 'node:crypto';
import {
  E2E_PROFILE,
  eventually,
  HttpClient,
  idemKey,
  mysqlAdmin,
  ORDER_SERVERS,
  physicalIds,
  placeOrder,
  shopper,
  spawnService,
  startPlatform,
  type PlatformFleet,
  type Shopper,
} from '@dsp/testing';

/** Users and orders each for the placement check (issue: N orders from many users). */
const USERS = Number(process.env['ORDERS_PLACEMENT_USERS'] ?? 12);
const ORDERS_PER_USER = Number(process.env['ORDERS_PLACEMENT_PER_USER'] ?? 5);
const ADMIN = { authorization: `Bearer ${process.env['ADMIN_TOKEN'] ?? localAdminToken()}` };

describe('orders on sharded MariaDB (through the gateway)', () => {
  let fleet: PlatformFleet;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 2 });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  describe(`when ${USERS} users place ${ORDERS_PER_USER} orders each`, () => {
    const placed = new Map<string, { userId: string; ids: string[] }>();

    beforeAll(async () => {
      const shoppers: Shopper[] = [];
      for (let i = 0; i < USERS; i++) shoppers.push(await shopper(fleet.gateway.url));
      for (const s of shoppers) {
        const ids: string[] = [];
        for (let i = 0; i < ORDERS_PER_USER; i++) {
          const r = await placeOrder(s, [{ sku: 'SKU-BOOK', quantity: 1 + i }]);
          expect(r.status).toBe(201);
          ids.push(r.body.id);
        }
        placed.set(s.id, { userId: s.id, ids });
      }
    });

    it('should put every order, its items and its outbox row exactly where the rule says (raw SQL on each physical table), and nowhere else', async () => {
      for (const { userId, ids } of placed.values()) {
        const uid = BigInt(userId);
        const db = `order_db_${uid % 2n}` as keyof typeof ORDER_SERVERS;
        const table = Number((uid / 2n) % 2n);
        for (const [otherDb, server] of Object.entries(ORDER_SERVERS)) {
          for (const t of [0, 1]) {
            const here = otherDb === db && t === table;
            const orderIds = await physicalIds(server, otherDb, `orders_${t}`, 'user_id = ?', [userId]);
            const items = await mysqlAdmin.query(server, `SELECT COUNT(*) AS n FROM ${otherDb}.order_items_${t} WHERE order_id IN (?)`, [
              ids,
            ]);
            const outbox = await mysqlAdmin.query(server, `SELECT COUNT(*) AS n FROM ${otherDb}.outbox_${t} WHERE msg_key IN (?)`, [ids]);
            expect(orderIds.sort()).toEqual(here ? [...ids].sort() : []);
            expect(Number(items[0]?.['n'])).toBe(here ? ids.length : 0);
            expect(Number(outbox[0]?.['n'])).toBe(here ? ids.length : 0);
          }
        }
      }
    });

    it('should list the newest orders across every shard exactly like one sorted table would (scatter-gather, keyset pages)', async () => {
      const admin = new HttpClient(fleet.gateway.url);
      const paged: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 4; page++) {
        const r: { status: number; body: { orders: { id: string }[]; nextCursor: string | null } } = await admin.get(
          `/api/admin/orders?limit=17${cursor ? `&cursor=${cursor}` : ''}`,
          { headers: ADMIN },
        );
        expect(r.status).toBe(200);
        paged.push(...r.body.orders.map((o) => o.id));
        cursor = r.body.nextCursor;
        if (!cursor) break;
      }
      const union: { id: string; created_at: Date }[] = [];
      for (const [db, server] of Object.entries(ORDER_SERVERS)) {
        for (const t of [0, 1])
          union.push(...(await mysqlAdmin.query<{ id: string; created_at: Date }>(server, `SELECT id, created_at FROM ${db}.orders_${t}`)));
      }
      union.sort(
        (a, b) =>
          b.created_at.getTime() - a.created_at.getTime() || (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0),
      );
      expect(paged).toEqual(union.slice(0, paged.length).map((r) => String(r.id)));
      expect(paged.length).toBe(Math.min(68, union.length));
    });
  });

  describe('when an order is read by id', () => {
    it('should answer the owner from exactly one shard, 404 to anyone else, and 404 for an id that does not exist', async () => {
      const a = await shopper(fleet.gateway.url);
      const b = await shopper(fleet.gateway.url);
      const r = await placeOrder(a);
      expect(r.status).toBe(201);
      const mine = await a.client.get<{ id: string }>(`/api/orders/${r.body.id}`);
      expect(mine.status).toBe(200);
      expect(mine.body.id).toBe(r.body.id);
      expect((await b.client.get(`/api/orders/${r.body.id}`)).status).toBe(404);
      expect((await a.client.get('/api/orders/12345')).status).toBe(404);
      expect((await a.client.get('/api/orders/not-a-number')).status).toBe(404);
    });
  });

  describe('when the same Idempotency-Key is reused', () => {
    it('should create one order per key: replays answer the first response, another body gets 422', async () => {
      const s = await shopper(fleet.gateway.url);
      const key = idemKey();
      const first = await placeOrder(s, [{ sku: 'SKU-TEE', quantity: 2 }], key);
      const again = await placeOrder(s, [{ sku: 'SKU-TEE', quantity: 2 }], key);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const other = await placeOrder(s, [{ sku: 'SKU-TEE', quantity: 3 }], key);
      expect(other.status).toBe(422);
      const uid = BigInt(s.id);
      const db = `order_db_${uid % 2n}` as keyof typeof ORDER_SERVERS;
      expect(await physicalIds(ORDER_SERVERS[db], db, `orders_${(uid / 2n) % 2n}`, 'user_id = ?', [s.id])).toEqual([first.body.id]);
    });

    it('should answer 409 while the first request with that key is still in flight', async () => {
      const s = await shopper(fleet.gateway.url);
      const key = idemKey();
      const uid = BigInt(s.id);
      const db = `order_db_${uid % 2n}` as keyof typeof ORDER_SERVERS;
      const hash = createHash('sha256')
        .update(JSON.stringify([['SKU-MUG', 1]]))
        .digest('hex');
      // Another instance has claimed the key and is still working on it.
      await mysqlAdmin.query(
        ORDER_SERVERS[db],
        `INSERT INTO ${db}.idempotency_keys_${(uid / 2n) % 2n} (user_id, idem_key, request_hash, state, created_at) VALUES (?, ?, ?, 'in_flight', NOW(3))`,
        [s.id, key, hash],
      );
      const r = await placeOrder(s, [{ sku: 'SKU-MUG', quantity: 1 }], key);
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ message: expect.stringMatching(/still in flight/) });
    });

    it('should make exactly one order when 8 requests with one key race', async () => {
      const s = await shopper(fleet.gateway.url);
      const key = idemKey();
      const results = await Promise.all(Array.from({ length: 8 }, () => placeOrder(s, [{ sku: 'SKU-KEYB', quantity: 1 }], key)));
      const created = results.filter((r) => r.status === 201);
      expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      const uid = BigInt(s.id);
      const db = `order_db_${uid % 2n}` as keyof typeof ORDER_SERVERS;
      expect(await physicalIds(ORDER_SERVERS[db], db, `orders_${(uid / 2n) % 2n}`, 'user_id = ?', [s.id])).toHaveLength(1);
    });

    it('should refuse an order without a key (400) or for an unknown SKU (422), writing nothing', async () => {
      const s = await shopper(fleet.gateway.url);
      const noKey = await s.client.post('/api/orders', { items: [{ sku: 'SKU-MUG', quantity: 1 }] });
      expect(noKey.status).toBe(400);
      expect(noKey.body).toMatchObject({ message: 'the Idempotency-Key header is required' });
      const unknown = await placeOrder(s, [{ sku: 'SKU-NOPE', quantity: 1 }]);
      expect(unknown.status).toBe(422);
      const list = await s.client.get<{ orders: unknown[] }>('/api/orders');
      expect(list.body.orders).toEqual([]);
    });
  });

  describe('when an order changes status', () => {
    it('should allow CREATED -> PAID and CREATED -> CANCELLED only', async () => {
      const s = await shopper(fleet.gateway.url);
      const paid = (await placeOrder(s)).body.id;
      const cancelled = (await placeOrder(s)).body.id;
      expect((await s.client.post<{ status: string }>(`/api/orders/${paid}/pay`)).body.status).toBe('PAID');
      expect((await s.client.post<{ status: string }>(`/api/orders/${cancelled}/cancel`)).body.status).toBe('CANCELLED');
      const payCancelled = await s.client.post(`/api/orders/${cancelled}/pay`);
      expect(payCancelled.status).toBe(409);
      expect(payCancelled.body).toMatchObject({ message: `order ${cancelled} is CANCELLED; cannot pay it` });
      expect((await s.client.post(`/api/orders/${paid}/cancel`)).status).toBe(409);
      expect((await s.client.post(`/api/orders/${paid}/pay`)).status).toBe(409);
    });
  });

  describe('when a product is written to the broadcast table', () => {
    it('should land identically in every order database and be orderable from either shard', async () => {
      const sku = `SKU-T${Date.now().toString(36).toUpperCase()}`;
      const put = await new HttpClient(fleet.gateway.url).call('PUT', `/api/admin/products/${sku}`, {
        body: { name: 'Broadcast test', priceCents: '777' },
        headers: ADMIN,
      });
      expect(put.status).toBe(200);
      for (const [db, server] of Object.entries(ORDER_SERVERS)) {
        const rows = await mysqlAdmin.query(server, `SELECT name, price_cents FROM ${db}.products WHERE sku = ?`, [sku]);
        expect(rows).toEqual([{ name: 'Broadcast test', price_cents: '777' }]);
      }
      for (const dbIndex of [0, 1] as const) {
        const s = await shopper(fleet.gateway.url, dbIndex);
        const r = await placeOrder(s, [{ sku, quantity: 3 }]);
        expect(r.status).toBe(201);
        expect(r.body.totalCents).toBe('2331');
      }
    });

    it('should refuse admin calls without the token', async () => {
      expect((await new HttpClient(fleet.gateway.url).get('/api/admin/orders')).status).toBe(401);
    });
  });

  describe('when order-service checks the user behind an order', () => {
    it('should ask user-service through discovery: with no user-service instance, placing an order is a clear 503', async () => {
      const s = await shopper(fleet.gateway.url);
      const us = fleet.users[0];
      await us?.stop();
      try {
        // Discovery learns of the departure through a watch (debounced ~100 ms); until then a call is refused by the dead port (502).
        await eventually(async () => {
          const r = await placeOrder(s);
          expect(r.status).toBe(503);
          expect(r.body).toMatchObject({ message: 'no instance of user-service is available' });
        }, 5_000);
      } finally {
        fleet.users[0] = await spawnService(
          'user-service',
          { PORT: '0', CONFIG_PROFILE: E2E_PROFILE, ZK_SESSION_TIMEOUT_MS: '2000' },
          60_000,
        );
      }
      await eventually(async () => expect((await placeOrder(s)).status).toBe(201), 15_000);
    });
  });
});
