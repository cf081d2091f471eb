import { REDIS_PORT } from '@dsp/contracts';
import { seedBuyers, type Buyer } from '@dsp/load-kit';
import { StockReservations } from '@dsp/orders';
import { RedisConnection } from '@dsp/session';
import { eventually, stackControl, startPlatform, testLogger, type PlatformFleet } from '@dsp/testing';
import { purchase, saleTruth, startSale, tally, type Attempt } from './flash-sale-helpers';

const BUYERS = Number(process.env['FLASH_SALE_BUYERS'] ?? 1000);
const UNITS = Number(process.env['FLASH_SALE_UNITS'] ?? 100);
const LATE_BUYERS = 200;

/**
 * `redis-reserve` keeps the stock gate in Redis and the truth in the database.
 * Redis is killed (kill -9) and restarted in the middle of a sale, and the
 * sale's keys are then deleted, as if the restart had come back from an AOF
 * that lost them (appendfsync everysec may lose the last second). Redis then
 * believes in more units than are left. The database's conditional UPDATE
 * rejects the surplus (no oversell), the reconciler sets Redis back to the
 * database once the sale is quiet, and any unit Redis wrongly refused is on
 * sale again (no undersell).
 */
describe('flash sale redis-reserve: Redis restarted mid-sale', () => {
  let fleet: PlatformFleet;
  let buyers: Buyer[];
  let late: Buyer[];
  const redis = new RedisConnection({ url: `redis://127.0.0.1:${REDIS_PORT}`, connectionName: 'e2e-flash-sale' }, testLogger());

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 2, orderEnv: { FLASH_SALE_RECONCILE_QUIET_MS: '2000' } });
    const all = await seedBuyers({ gatewayUrl: fleet.gateway.url, count: BUYERS + LATE_BUYERS });
    buyers = all.slice(0, BUYERS);
    late = all.slice(BUYERS);
    await new Promise((r) => setTimeout(r, 1500)); // the sessions are older than AOF's one-second fsync window
    await redis.start();
  }, 180_000);

  afterAll(async () => {
    await redis.close();
    await fleet?.stop();
  });

  it('never oversells; after reconciliation Redis agrees with the database and every unit is sold', async () => {
    const sale = await startSale(fleet.gateway.url, 'redis-reserve', UNITS);
    const reservations = new StockReservations(redis);
    const queue = [...buyers];
    const attempts: Attempt[] = [];
    let restarted: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let b = queue.pop(); b; b = queue.pop()) {
          attempts.push(await purchase(fleet.gateway.url, sale.id, b, Date.now() + 90_000));
          if (!restarted && attempts.filter((a) => a.status === 202).length >= UNITS * 0.4) {
            restarted = (async () => {
              stackControl.kill('redis');
              await stackControl.restart('redis');
              await eventually(async () => expect(await redis.client.ping()).toBe('PONG'), 20_000);
              const k = reservations.keys(sale.id);
              await redis.client.del(k.stock, k.buyers, k.last);
            })();
          }
        }
      }),
    );
    await restarted;
    const reserved = attempts.filter((a) => a.status === 202);
    expect(attempts.every((a) => a.status === 202 || a.status === 409)).toBe(true);

    // Drained and reconciled: no purchase pending, Redis' stock is the database's.
    const truth = await eventually(async () => {
      const t = await saleTruth(sale.id, sale.sku);
      expect(t.purchases.filter((p) => p.state === 'pending')).toHaveLength(0);
      expect(t.purchases.length).toBe(new Set(reserved.map((a) => a.buyer.id)).size);
      expect((await reservations.state(sale.id))?.stock).toBe(t.stock);
      return t;
    }, 60_000);
    const ordered = truth.purchases.filter((p) => p.state === 'ordered');
    const rejected = truth.purchases.filter((p) => p.state === 'rejected');
    expect(truth.sold).toBeLessThanOrEqual(UNITS); // never oversold
    expect(truth.stock + truth.sold).toBe(UNITS);
    expect(ordered).toHaveLength(truth.sold);
    expect(truth.orderUsers.sort()).toEqual(ordered.map((p) => p.user_id).sort()); // one order per unit, nobody twice
    expect(new Set(truth.orderUsers).size).toBe(truth.orderUsers.length);

    // Whatever Redis wrongly refused is on sale again: late buyers take the rest, not one more.
    const lateAttempts = await Promise.all(late.map((b) => purchase(fleet.gateway.url, sale.id, b)));
    expect(lateAttempts.filter((a) => a.status === 202)).toHaveLength(truth.stock);
    const final = await eventually(async () => {
      const t = await saleTruth(sale.id, sale.sku);
      expect(t.purchases.filter((p) => p.state === 'pending')).toHaveLength(0);
      expect(t.stock).toBe(0);
      return t;
    }, 60_000);
    expect(final.sold).toBe(UNITS);
    expect(final.orderUsers).toHaveLength(UNITS);
    expect(new Set(final.orderUsers).size).toBe(UNITS);
    process.stdout.write(
      `[flash-sale redis restart] ${BUYERS} buyers ${JSON.stringify(tally(attempts))}, 503 retries ${attempts.reduce((s, a) => s + a.retries, 0)}; ` +
        `database: ${ordered.length} ordered, ${rejected.length} reservations rejected (Redis had forgotten them), ` +
        `${truth.stock} units reopened by reconciliation and bought by late buyers; final sold ${final.sold}/${UNITS}\n`,
    );
  }, 240_000);
});
