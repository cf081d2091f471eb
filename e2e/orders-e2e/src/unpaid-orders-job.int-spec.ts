import { z } from 'zod';
import {
  eventually,
  mysqlAdmin,
  ORDER_SERVERS,
  placeOrder,
  setLiveConfig,
  shopper,
  startPlatform,
  type PlatformFleet,
  type Shopper,
  type SpawnedService,
} from '@dsp/testing';

const JOB_KEYS = z.object({
  'jobs.unpaidOrderMaxAgeSeconds': z.number().int().min(10).default(900),
  'jobs.scanIntervalSeconds': z.number().int().min(1).default(30),
});
const ITEMS = ['order_db_0.orders_0', 'order_db_1.orders_0', 'order_db_0.orders_1', 'order_db_1.orders_1'];

/** The items an instance last said it owns (from its JSON log). */
function assigned(svc: SpawnedService): string[] | undefined {
  const lines = svc
    .output()
    .split('\n')
    .filter((l) => l.includes('"work items assigned"'));
  const last = lines[lines.length - 1];
  return last ? (JSON.parse(last) as { items: string[] }).items : undefined;
}

function itemOf(s: Shopper): string {
  const uid = BigInt(s.id);
  return `order_db_${uid % 2n}.orders_${(uid / 2n) % 2n}`;
}

async function statusOf(s: Shopper, orderId: string): Promise<string> {
  return String((await s.client.get<{ status: string }>(`/api/orders/${orderId}`)).body.status);
}

describe('the unpaid-order job, its items shared through ZooKeeper (docs/notes.md#n6)', () => {
  let fleet: PlatformFleet;
  const bySlot = new Map<string, Shopper>();

  beforeAll(async () => {
    await setLiveConfig('order-service', JOB_KEYS, { 'jobs.unpaidOrderMaxAgeSeconds': 10, 'jobs.scanIntervalSeconds': 1 });
    fleet = await startPlatform({ users: 1, orders: 2 });
    for (let i = 0; i < 24 && bySlot.size < 4; i++) {
      const s = await shopper(fleet.gateway.url);
      if (!bySlot.has(itemOf(s))) bySlot.set(itemOf(s), s);
    }
    expect([...bySlot.keys()].sort()).toEqual([...ITEMS].sort());
  });

  afterAll(async () => {
    await mysqlAdmin.query('mysql-c0-primary', 'DELETE FROM order_db_0.job_fences WHERE token > 1000000000000').catch(() => undefined);
    await setLiveConfig('order-service', JOB_KEYS, { 'jobs.unpaidOrderMaxAgeSeconds': 900, 'jobs.scanIntervalSeconds': 30 }).catch(
      () => undefined,
    );
    await fleet?.stop();
  });

  it('should split the 4 items between the 2 instances, each item owned once', async () => {
    await eventually(() => {
      const [a, b] = fleet.orders.map(assigned);
      expect(a?.length).toBe(2);
      expect(b?.length).toBe(2);
      expect([...(a ?? []), ...(b ?? [])].sort()).toEqual([...ITEMS].sort());
    }, 15_000);
  });

  it('should cancel unpaid orders older than the configured age in every table, and leave paid ones alone', async () => {
    const placed: { s: Shopper; unpaid: string; paid: string }[] = [];
    for (const s of bySlot.values()) {
      const unpaid = (await placeOrder(s)).body.id;
      const paid = (await placeOrder(s)).body.id;
      expect((await s.client.post(`/api/orders/${paid}/pay`)).status).toBe(200);
      placed.push({ s, unpaid, paid });
    }
    // Younger than the age: untouched.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const p of placed) expect(await statusOf(p.s, p.unpaid)).toBe('CREATED');
    await eventually(async () => {
      for (const p of placed)
        expect({ item: itemOf(p.s), status: await statusOf(p.s, p.unpaid) }).toEqual({ item: itemOf(p.s), status: 'CANCELLED' });
    }, 30_000).catch((e: unknown) => {
      process.stdout.write(
        fleet.orders
          .map((o) =>
            o
              .output()
              .split('\n')
              .filter((l) => /unpaid-order-job|work items/.test(l))
              .slice(-8)
              .join('\n'),
          )
          .join('\n---\n'),
      );
      throw e;
    });
    for (const p of placed) expect(await statusOf(p.s, p.paid)).toBe('PAID');
  });

  it('should refuse a run whose lock token is older than one that already wrote (fencing), then resume', async () => {
    const s = bySlot.get('order_db_0.orders_0') as Shopper;
    // A newer holder has written: every token the job can have now is older.
    await mysqlAdmin.query(
      ORDER_SERVERS.order_db_0,
      "INSERT INTO order_db_0.job_fences (item, token, updated_at) VALUES ('order_db_0.orders_0', 9000000000000000000, NOW(3)) ON DUPLICATE KEY UPDATE token = 9000000000000000000",
    );
    const id = (await placeOrder(s)).body.id;
    await eventually(
      () => expect(fleet.orders.some((o) => /"item":"order_db_0\.orders_0".*"item run fenced off"/.test(o.output()))).toBe(true),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 12_000));
    expect(await statusOf(s, id)).toBe('CREATED');
    await mysqlAdmin.query(ORDER_SERVERS.order_db_0, "DELETE FROM order_db_0.job_fences WHERE item = 'order_db_0.orders_0'");
    await eventually(async () => expect(await statusOf(s, id)).toBe('CANCELLED'), 30_000);
  });

  it('should move every item to the survivor when an instance dies (kill -9)', async () => {
    const [dead, survivor] = fleet.orders as [SpawnedService, SpawnedService];
    dead.child.kill('SIGKILL');
    await eventually(() => expect([...(assigned(survivor) ?? [])].sort()).toEqual([...ITEMS].sort()), 20_000);
  });
});
