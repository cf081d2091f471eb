import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { DB_USERS, localAdminToken, MYSQL_CLUSTERS } from '@dsp/contracts';

/**
 * The short walk `npm start` prints once everything is ready: it exercises the
 * platform through the gateway and shows, for each step, what happened where
 * (which instance answered, which database served the read, where the order
 * row physically lives). It only reads and writes demo data of its own.
 */

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(
  base: string,
  method: string,
  path: string,
  cookie: string | undefined,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...extra };
  if (cookie) headers['cookie'] = cookie;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function physicalLocation(orderId: string): Promise<string> {
  for (const [i, cluster] of MYSQL_CLUSTERS.entries()) {
    const c = await createConnection({
      host: '127.0.0.1',
      port: cluster.primaryPort,
      user: DB_USERS.admin.name,
      password: DB_USERS.admin.password,
    });
    try {
      for (const t of [0, 1]) {
        const [rows] = await c.query(`SELECT COUNT(*) AS n FROM order_db_${i}.orders_${t} WHERE id = ?`, [orderId]);
        if (Number((rows as { n: number }[])[0]?.n) > 0) return `order_db_${i}.orders_${t} on cluster ${i} (port ${cluster.primaryPort})`;
      }
    } finally {
      await c.end();
    }
  }
  return 'not found';
}

/** Runs the tour against the gateway at `base`; returns the lines to print. Never throws: a failed step is reported. */
export async function tour(base: string): Promise<string[]> {
  const out: string[] = [];
  try {
    const username = `tour_${randomUUID().slice(0, 8)}`;
    const password = 'tour-password-1';
    const reg = await call(base, 'POST', '/api/users', undefined, { username, password });
    out.push(`POST /api/users            -> ${reg.status}, user id ${String(reg.body['id'])} in user_db (cluster 0: the vertical split)`);
    const login = await call(base, 'POST', '/api/sessions', undefined, { username, password });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    out.push(`POST /api/sessions         -> ${login.status}, answered by ${login.headers.get('x-upstream-instance')}; session in Redis`);
    for (let i = 0; i < 2; i++) {
      const me = await call(base, 'GET', '/api/users/me', cookie);
      out.push(
        `GET  /api/users/me         -> ${me.status} ${String(me.body['username'])}, answered by ${me.headers.get('x-upstream-instance')}, read from ${me.headers.get('x-db-route')}`,
      );
    }
    const order = await call(
      base,
      'POST',
      '/api/orders',
      cookie,
      { items: [{ sku: 'SKU-BOOK', quantity: 1 }] },
      { 'idempotency-key': randomUUID() },
    );
    const id = String(order.body['id']);
    const uid = BigInt(String(reg.body['id']));
    out.push(
      `POST /api/orders           -> ${order.status}, order ${id} by ${order.headers.get('x-upstream-instance')}; rule: db = ${uid} mod 2 = ${uid % 2n}, table = floor(${uid}/2) mod 2 = ${(uid / 2n) % 2n}`,
    );
    out.push(`   raw SQL finds it in      ${await physicalLocation(id)}`);
    const get = await call(base, 'GET', `/api/orders/${id}`, cookie);
    out.push(`GET  /api/orders/${id} -> ${get.status}, read from ${get.headers.get('x-db-route')} (the id's low bits name the shard)`);
    const admin = { authorization: `Bearer ${process.env['ADMIN_TOKEN'] ?? localAdminToken()}` };
    const sale = await call(base, 'POST', '/api/flash-sales', undefined, { sku: 'SKU-MUG', stock: 3, strategy: 'redis-reserve' }, admin);
    const saleId = String(sale.body['id']);
    out.push(`POST /api/flash-sales      -> ${sale.status}, sale ${saleId}: 3 x SKU-MUG, strategy redis-reserve (docs/flash-sale.md)`);
    const buy = await call(base, 'POST', `/api/flash-sales/${saleId}/purchase`, cookie);
    out.push(
      `POST .../purchase          -> ${buy.status} ${String(buy.body['state'])}: one Redis script took the unit, Kafka carries the order`,
    );
    const again = await call(base, 'POST', `/api/flash-sales/${saleId}/purchase`, cookie);
    out.push(
      `POST .../purchase again    -> ${again.status} ${String(again.body['state'])}, idempotent-replayed: ${again.headers.get('idempotent-replayed')}: one unit per buyer, a retry answers like the first call`,
    );
    let mine = buy;
    for (let i = 0; i < 40 && mine.body['state'] !== 'ordered'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      mine = await call(base, 'GET', `/api/flash-sales/${saleId}/purchase`, cookie);
    }
    const view = await call(base, 'GET', `/api/flash-sales/${saleId}`, undefined);
    out.push(
      `GET  .../purchase          -> ${String(mine.body['state'])}, order ${String(mine.body['orderId'])}; the sale: ${String(view.body['sold'])} sold, ${String(view.body['stock'])} left`,
    );
  } catch (e) {
    out.push(`(tour stopped: ${(e as Error).message})`);
  }
  return out;
}
