/** Shopping through the gateway for end-to-end tests: users on a chosen shard, orders, raw placement checks, metrics. */
import { METRICS_IDENTITIES, metricsAuthorization } from '@dsp/contracts';
import { HttpClient } from './http-client';
import { mysqlAdmin } from './mysql-admin';
import { uniqueUsername } from './platform-fleet';
import type { SpawnedService } from './spawn-service';

export const PASSWORD = 'correct-horse-battery';

export interface Shopper {
  id: string;
  name: string;
  client: HttpClient;
}

/** Registers and logs in a user whose id has the given parity (orders of id mod 2 = n live in order_db_n). */
export async function shopper(gatewayUrl: string, dbIndex?: 0 | 1): Promise<Shopper> {
  for (let i = 0; i < 10; i++) {
    const client = new HttpClient(gatewayUrl);
    const name = uniqueUsername('shop');
    const reg = await client.post<{ id: string }>('/api/users', { username: name, password: PASSWORD });
    if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
    if (dbIndex !== undefined && BigInt(reg.body.id) % 2n !== BigInt(dbIndex)) continue;
    const login = await client.post('/api/sessions', { username: name, password: PASSWORD });
    if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
    return { id: reg.body.id, name, client };
  }
  throw new Error(`no user with id parity ${dbIndex} after 10 registrations`);
}

let keySeq = 0;
export function idemKey(): string {
  return `e2e-${process.pid}-${Date.now()}-${keySeq++}`;
}

export function placeOrder(s: Shopper, items: { sku: string; quantity: number }[] = [{ sku: 'SKU-MUG', quantity: 1 }], key = idemKey()) {
  return s.client.post<{ id: string; userId: string; status: string; totalCents: string }>(
    '/api/orders',
    { items },
    { headers: { 'idempotency-key': key } },
  );
}

/** An instance's `/metrics` text, read as the operator (the route needs a `METRICS_IDENTITIES` identity); throws unless 200. */
export async function scrape(svc: Pick<SpawnedService, 'url'>): Promise<string> {
  const res = await fetch(`${svc.url}/metrics`, { headers: { authorization: metricsAuthorization(METRICS_IDENTITIES.operator) } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${svc.url}/metrics: ${res.status} ${text}`);
  return text;
}

/** Sum of a Prometheus counter over every series matching all `labels`. */
export async function counter(svc: SpawnedService, name: string, labels: Record<string, string>): Promise<number> {
  const text = await scrape(svc);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Rows of a physical table on one server, by raw SQL (bypasses the service entirely). */
export async function physicalIds(server: string, db: string, table: string, where = '1=1', params: unknown[] = []): Promise<string[]> {
  const rows = await mysqlAdmin.query<{ id: string }>(server, `SELECT id FROM ${db}.${table} WHERE ${where}`, params);
  return rows.map((r) => String(r.id));
}

export const ORDER_SERVERS = { order_db_0: 'mysql-c0-primary', order_db_1: 'mysql-c1-primary' } as const;
