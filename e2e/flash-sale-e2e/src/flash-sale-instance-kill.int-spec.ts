import { seedBuyers, type Buyer } from '@dsp/ops';
import { eventually, startPlatform, type PlatformFleet } from '@dsp/testing';
import { purchase, saleTruth, startSale, tally, type Attempt } from './flash-sale-helpers';

const BUYERS = Number(process.env['FLASH_SALE_KILL_BUYERS'] ?? 1000);
const UNITS = Number(process.env['FLASH_SALE_KILL_UNITS'] ?? 300);

/**
 * An order-service instance is killed (-9) in the middle of a zk-lock sale:
 * it may hold the sale's lock, and it may have taken units whose orders it
 * had not written yet. Its ZooKeeper session (2 s) takes the lock node with
 * it, so the other instance goes on selling; buyers whose request died retry
 * (as clients do on 502/503); purchases it left `pending` are finished by the
 * survivor's completer (rows older than 10 s). In the end every acknowledged
 * purchase has its order, and no unit is sold twice or lost.
 */
describe('flash sale zk-lock: an order-service instance killed mid-sale', () => {
  let fleet: PlatformFleet;
  let buyers: Buyer[];

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 2 });
    buyers = await seedBuyers({ gatewayUrl: fleet.gateway.url, count: BUYERS });
  }, 180_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('every 201 has its order, pending purchases are completed, stock and orders agree', async () => {
    const sale = await startSale(fleet.gateway.url, 'zk-lock', UNITS);
    const victim = fleet.orders[0];
    if (!victim) throw new Error('no order-service instance');
    const queue = [...buyers];
    const attempts: Attempt[] = [];
    let killedAt = -1;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let b = queue.pop(); b; b = queue.pop()) {
          attempts.push(await purchase(fleet.gateway.url, sale.id, b, Date.now() + 90_000));
          if (killedAt < 0 && attempts.filter((a) => a.status === 201).length >= UNITS / 3) {
            killedAt = attempts.length;
            victim.child.kill('SIGKILL');
          }
        }
      }),
    );
    expect(killedAt).toBeGreaterThan(0);
    const t = tally(attempts);
    // Every buyer got an answer: a unit (fresh, or replayed to a retry whose first request died after
    // taking it), sold out, or "in progress" (the first request took the unit, then died, and its
    // purchase is younger than the takeover time).
    expect(Object.keys(t).every((code) => ['201', '409'].includes(code))).toBe(true);
    const inProgress = attempts.filter((a) => a.status === 409 && /in progress/.test(String(a.body.message)));
    expect(attempts.filter((a) => a.status === 409 && !inProgress.includes(a)).every((a) => /sold out/.test(String(a.body.message)))).toBe(
      true,
    );

    const truth = await eventually(async () => {
      const s = await saleTruth(sale.id, sale.sku);
      expect(s.purchases.filter((p) => p.state !== 'ordered')).toEqual([]);
      return s;
    }, 60_000);
    expect({ stock: truth.stock, sold: truth.sold }).toEqual({ stock: 0, sold: UNITS });
    expect(truth.purchases).toHaveLength(UNITS);
    expect(truth.orderUsers).toHaveLength(UNITS);
    expect(new Set(truth.orderUsers).size).toBe(UNITS);
    const acknowledged = attempts.filter((a) => a.status === 201).map((a) => a.buyer.id);
    const ordered = new Set(truth.orderUsers);
    expect(acknowledged.filter((id) => !ordered.has(id))).toEqual([]); // no acknowledged purchase lost
    // A buyer told "in progress" holds the unit: asking again now replays it with its order.
    for (const a of inProgress) {
      const again = await purchase(fleet.gateway.url, sale.id, a.buyer);
      const row = truth.purchases.find((p) => p.user_id === a.buyer.id);
      expect({ status: again.status, replayed: again.replayed, orderId: again.body.orderId }).toEqual({
        status: 201,
        replayed: true,
        orderId: row?.order_id,
      });
    }
    const completedLater = UNITS - acknowledged.length;
    process.stdout.write(
      `[flash-sale instance kill] killed ${victim.name} after ${killedAt} answers; ${JSON.stringify(t)}, ` +
        `503/502 retries ${attempts.reduce((s, a) => s + a.retries, 0)}, ${attempts.filter((a) => a.replayed).length} replayed, ` +
        `${inProgress.length} in progress; ${completedLater} units taken by requests that died, ` +
        `their orders written by the completer; sold ${truth.sold}/${UNITS}, orders ${truth.orderUsers.length}\n`,
    );
  }, 240_000);
});
