import { seedBuyers, stackControl, type Buyer } from '@dsp/ops';
import { StockReservations } from '@dsp/orders';
import { eventually, type PlatformFleet, redisAs, startPlatform } from '@dsp/testing';
import { holdings, purchase, saleTruth, startSale, tally, type Attempt } from './flash-sale-helpers';

const BUYERS = Number(process.env['FLASH_SALE_BUYERS'] ?? 1000);
const UNITS = Number(process.env['FLASH_SALE_UNITS'] ?? 100);
const LATE_BUYERS = 200;

/** Reservations the restarted Redis "forgot" (appendfsync everysec may lose the last second of writes). */
const FORGOTTEN = 20;

/**
 * `redis-reserve` keeps the stock gate in Redis and the truth in the database.
 * Redis is killed (kill -9) and restarted in the middle of a sale, and comes
 * back having forgotten the last reservations (set up explicitly: it believes
 * in FORGOTTEN more units than are left, as after losing a second of AOF). It
 * then admits that many reservations too many; the database's conditional
 * UPDATE rejects exactly those (no oversell). Buyers whose request was in
 * flight at the kill retry; a reservation that Redis had persisted before its
 * answer was lost is replayed to them (and published again), so what the
 * buyers were told, what the API reports and what the database holds are the
 * same set wherever the kill lands. Then the sale's keys are lost
 * altogether: the next purchase reloads the sale from the database. Finally
 * Redis loses reservations the other way (its stock lower than the database's,
 * as when a reservation died between Redis and Kafka): the reconciler puts the
 * units back on sale once the sale is quiet, and late buyers get them (no
 * undersell).
 */
describe('flash sale redis-reserve: Redis restarted mid-sale', () => {
  let fleet: PlatformFleet;
  let buyers: Buyer[];
  let late: Buyer[];
  const redis = redisAs('e2e-flash-sale');

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

  it('admits too many after the restart, the database rejects exactly those; a lost sale is reloaded', async () => {
    const sale = await startSale(fleet.gateway.url, 'redis-reserve', UNITS);
    const reservations = new StockReservations(redis);
    const k = reservations.keys(sale.id);
    const queue = [...buyers];
    const attempts: Attempt[] = [];
    let restarted: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let b = queue.pop(); b; b = queue.pop()) {
          if (restarted) await restarted; // buyers keep coming once Redis is back
          attempts.push(await purchase(fleet.gateway.url, sale.id, b, Date.now() + 90_000));
          if (!restarted && attempts.filter((a) => a.status === 202).length >= UNITS * 0.4) {
            restarted = (async () => {
              stackControl.kill('redis');
              await stackControl.restart('redis');
              await eventually(async () => expect(await redis.client.ping()).toBe('PONG'), 20_000);
              await redis.client.incrby(k.stock, FORGOTTEN);
            })();
          }
        }
      }),
    );
    await restarted;
    // Every buyer's last answer is a reservation (fresh or replayed), a replayed rejection, or sold
    // out; a 409 that is not a replay means sold out and nothing else.
    for (const a of attempts) {
      const kind = a.status === 202 ? 'reserved' : a.status === 409 && a.replayed ? 'rejected' : a.status === 409 ? 'sold out' : 'other';
      expect({ buyer: a.buyer.id, status: a.status, kind }).not.toMatchObject({ kind: 'other' });
      if (kind === 'rejected') expect(a.body).toMatchObject({ state: 'rejected' });
      if (kind === 'sold out') expect(String(a.body.message)).toMatch(/sold out/);
    }
    // What the API told the buyers they hold (a reservation whose first answer was lost with Redis
    // is replayed to its buyer's retry, so this does not depend on where the kill landed).
    const told = new Set(attempts.filter((a) => a.status === 202 || a.replayed).map((a) => a.buyer.id));

    // Once Kafka has delivered every reservation, the database and the API agree on who holds what.
    const truth = await eventually(async () => {
      const t = await saleTruth(sale.id, sale.sku);
      expect(t.purchases.filter((p) => p.state === 'pending')).toHaveLength(0);
      expect(new Set(t.purchases.map((p) => p.user_id))).toEqual(told);
      return t;
    }, 60_000);
    const held = await holdings(fleet.gateway.url, sale.id, buyers);
    expect(new Set(held.keys())).toEqual(told); // nobody holds what they were not told, nobody told holds nothing
    for (const p of truth.purchases) expect(held.get(p.user_id)).toMatchObject({ state: p.state }); // the API reports the database
    const ordered = truth.purchases.filter((p) => p.state === 'ordered');
    const rejected = truth.purchases.filter((p) => p.state === 'rejected');
    expect({ stock: truth.stock, sold: truth.sold }).toEqual({ stock: 0, sold: UNITS }); // never oversold
    expect(ordered).toHaveLength(UNITS);
    expect(ordered.length + rejected.length).toBe(told.size); // every holder ordered or told rejected
    expect(truth.orderUsers.sort()).toEqual(ordered.map((p) => p.user_id).sort()); // one order per unit, nobody twice
    // Redis admitted at least the stock plus what it was made to forget (more if the kill -9 also
    // lost real AOF writes), and the database rejected exactly the excess.
    expect(told.size).toBeGreaterThanOrEqual(UNITS + FORGOTTEN);

    // A buyer asking again gets their purchase replayed: a rejected one as 409 with state rejected,
    // an ordered one as 202 with its order.
    const byId = new Map(buyers.map((b) => [b.id, b]));
    for (const p of [...rejected, ...ordered.slice(0, 5)]) {
      const again = await purchase(fleet.gateway.url, sale.id, byId.get(p.user_id) as Buyer);
      expect({ status: again.status, replayed: again.replayed, state: again.body.state, orderId: again.body.orderId }).toEqual({
        status: p.state === 'rejected' ? 409 : 202,
        replayed: true,
        state: p.state,
        orderId: p.order_id,
      });
    }

    // The sale's keys lost altogether: the next purchase reloads it from the database (0 left).
    await redis.client.del(k.stock, k.buyers, k.last);
    const after = await purchase(fleet.gateway.url, sale.id, late[0] as Buyer);
    expect(after.status).toBe(409);
    expect(await reservations.state(sale.id)).toMatchObject({ stock: 0 });
    process.stdout.write(
      `[flash-sale redis restart] ${BUYERS} buyers ${JSON.stringify(tally(attempts))}, 503 retries ${attempts.reduce((s, a) => s + a.retries, 0)}; ` +
        `${attempts.filter((a) => a.replayed).length} answers replayed a reservation; ` +
        `database: ${ordered.length} ordered, ${rejected.length} reservations rejected (Redis forgot ${FORGOTTEN} by the test, ` +
        `${told.size - UNITS - FORGOTTEN} more by the kill); sold ${truth.sold}/${UNITS}\n`,
    );
  }, 240_000);

  it('units Redis wrongly holds back are put on sale again by the reconciler (no undersell)', async () => {
    const units = 10;
    const sale = await startSale(fleet.gateway.url, 'redis-reserve', units);
    const reservations = new StockReservations(redis);
    const k = reservations.keys(sale.id);
    await redis.client.set(k.stock, String(units - 4)); // 4 reservations lost between Redis and Kafka
    const started = Date.now();
    await eventually(async () => expect(await reservations.state(sale.id)).toMatchObject({ stock: units }), 30_000);
    const reconciledAfter = Date.now() - started;
    const wave = await Promise.all(late.slice(1, 1 + units + 5).map((b) => purchase(fleet.gateway.url, sale.id, b)));
    expect(tally(wave)).toEqual({ 202: units, 409: 5 });
    const truth = await eventually(async () => {
      const t = await saleTruth(sale.id, sale.sku);
      expect(t.purchases.filter((p) => p.state === 'ordered')).toHaveLength(units);
      return t;
    }, 60_000);
    expect({ stock: truth.stock, sold: truth.sold }).toEqual({ stock: 0, sold: units });
    expect(new Set(truth.orderUsers).size).toBe(units);
    process.stdout.write(
      `[flash-sale reconcile] Redis said ${units - 4} of ${units}; reconciled to ${units} after ${reconciledAfter} ms; sold ${truth.sold}/${units}\n`,
    );
  }, 120_000);
});
