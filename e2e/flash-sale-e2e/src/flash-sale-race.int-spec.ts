import { FLASH_SALE_STRATEGIES, type FlashSaleView } from '@dsp/contracts';
import { tour } from '@dsp/infra-stack';
import { seedBuyers, type Buyer } from '@dsp/ops';
import { counter, eventually, mysqlAdmin, ORDER_SERVERS, startPlatform, type PlatformFleet } from '@dsp/testing';
import { ADMIN, heldBy, purchase, race, saleTruth, startSale, tally, type Attempt } from './flash-sale-helpers';

/** Buyers and units per race; the property needs many more buyers than units (`FLASH_SALE_BUYERS`, `FLASH_SALE_UNITS`). */
const BUYERS = Number(process.env['FLASH_SALE_BUYERS'] ?? 1000);
const UNITS = Number(process.env['FLASH_SALE_UNITS'] ?? 100);
const CONCURRENCY = Number(process.env['FLASH_SALE_CONCURRENCY'] ?? 100);

describe(`flash sale: ${BUYERS} buyers race for ${UNITS} units through two order-service instances (docs/notes.md#n29)`, () => {
  let fleet: PlatformFleet;
  let buyers: Buyer[];

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 2 });
    buyers = await seedBuyers({ gatewayUrl: fleet.gateway.url, count: BUYERS });
  }, 180_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it("npm start's tour ends with a flash sale bought through the gateway", async () => {
    const lines = await tour(fleet.gateway.url);
    expect(lines.join('\n')).not.toContain('tour stopped');
    expect(lines.find((l) => l.startsWith('POST .../purchase  '))).toMatch(/-> 202 reserved/);
    expect(lines.find((l) => l.startsWith('POST .../purchase again'))).toMatch(
      /-> 202 (reserved|pending|ordered), idempotent-replayed: true: one unit per buyer/,
    );
    expect(lines[lines.length - 1]).toMatch(/-> ordered, order \d+; the sale: 1 sold, 2 left/);
  });

  it('bad input gets a 4xx with the reason and writes nothing', async () => {
    const gw = fleet.gateway.url;
    const countSales = async () => {
      let n = 0;
      for (const [db, server] of Object.entries(ORDER_SERVERS))
        n += Number((await mysqlAdmin.query<{ n: string }>(server, `SELECT COUNT(*) AS n FROM ${db}.flash_sales`))[0]?.n ?? 0);
      return n;
    };
    const before = await countSales();
    const post = (body: unknown, headers: Record<string, string> = ADMIN) =>
      fetch(`${gw}/api/flash-sales`, { method: 'POST', headers, body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        message: String(((await r.json()) as { message?: unknown }).message),
      }));
    expect(await post({ sku: 'SKU-MUG', stock: 10, strategy: 'zk-lok' })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/strategy/),
    });
    expect(await post({ sku: 'SKU-MUG', stock: 0, strategy: 'db-atomic' })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/stock/),
    });
    expect(await post({ sku: 'SKU-MUG', strategy: 'db-atomic' })).toMatchObject({ status: 400, message: expect.stringMatching(/stock/) });
    expect(await post({ sku: 'NO-SUCH-SKU', stock: 10, strategy: 'db-atomic' })).toMatchObject({
      status: 422,
      message: expect.stringMatching(/unknown sku: NO-SUCH-SKU/),
    });
    expect(await post({ sku: 'SKU-MUG', stock: 10, strategy: 'db-atomic' }, { 'content-type': 'application/json' })).toMatchObject({
      status: 401,
      message: expect.stringMatching(/admin token/),
    });
    expect(await countSales()).toBe(before);

    expect((await fetch(`${gw}/api/flash-sales/12345`)).status).toBe(404);
    expect((await fetch(`${gw}/api/flash-sales/not-a-number`)).status).toBe(404);
    const sale = await startSale(gw, 'db-atomic', 1);
    expect((await fetch(`${gw}/api/flash-sales/${sale.id}/purchase`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${gw}/api/flash-sales/${sale.id}/purchase`, { method: 'DELETE' })).status).toBe(405);
    const mine = await fetch(`${gw}/api/flash-sales/${sale.id}/purchase`, { headers: { cookie: (buyers[0] as Buyer).cookie } });
    expect(mine.status).toBe(404);
    expect((await saleTruth(sale.id, sale.sku)).purchases).toEqual([]);
  });

  it.each(FLASH_SALE_STRATEGIES.map((s) => [s]))(
    '%s: exactly the stock is sold, one order per winner, nobody twice, both instances sold',
    async (strategy) => {
      const sale = await startSale(fleet.gateway.url, strategy, UNITS);
      const expectStatus = strategy === 'redis-reserve' ? 202 : 201;
      const served = async () =>
        (await Promise.all(fleet.orders.map((o) => counter(o, 'flash_sale_purchases_total', { status: String(expectStatus) })))).reduce(
          (a, b) => a + b,
          0,
        );
      const servedBefore = await served();
      const attempts = await race(fleet.gateway.url, sale.id, buyers, CONCURRENCY);
      const won = attempts.filter((a) => a.status === 201 || a.status === 202);

      expect(tally(attempts)).toEqual({ [expectStatus]: UNITS, 409: BUYERS - UNITS });
      expect((await served()) - servedBefore).toBe(UNITS); // the services' own count (GET /metrics)
      expect(attempts.filter((a) => a.status === 409).every((a) => /sold out/.test(String(a.body.message)))).toBe(true);
      // Both instances answered, and both sold units (the gateway balances; the lock or the row decides).
      expect(new Set(attempts.map((a) => a.instance)).size).toBe(2);
      expect(new Set(won.map((a) => a.instance)).size).toBe(2);

      // The truth in the databases, once queued reservations have been applied.
      const truth = await eventually(async () => {
        const t = await saleTruth(sale.id, sale.sku);
        expect(t.purchases.filter((p) => p.state === 'ordered')).toHaveLength(UNITS);
        return t;
      }, 60_000);
      expect({ stock: truth.stock, sold: truth.sold }).toEqual({ stock: 0, sold: UNITS });
      expect(truth.purchases).toHaveLength(UNITS);
      expect(truth.orderUsers).toHaveLength(UNITS); // one order line per unit, no more
      expect(new Set(truth.orderUsers).size).toBe(UNITS); // nobody twice
      expect(new Set(truth.orderUsers)).toEqual(new Set(won.map((a) => a.buyer.id))); // exactly the winners
      expect(new Set(truth.purchases.map((p) => p.user_id))).toEqual(new Set(truth.orderUsers));

      const view = (await (await fetch(`${fleet.gateway.url}/api/flash-sales/${sale.id}`)).json()) as FlashSaleView;
      expect(view).toMatchObject({ stock: 0, sold: UNITS, stockTotal: UNITS, strategy });

      // A winner trying again gets their purchase replayed (one unit per buyer), and the sale stays as it is.
      const winner = won[0] as (typeof won)[number];
      const again = await purchase(fleet.gateway.url, sale.id, winner.buyer);
      expect({ status: again.status, replayed: again.replayed }).toEqual({ status: expectStatus, replayed: true });
      if (expectStatus === 201) expect(again.body.orderId).toBe(winner.body.orderId);
      expect((await saleTruth(sale.id, sale.sku)).orderUsers).toHaveLength(UNITS);
      process.stdout.write(
        `[flash-sale] ${strategy}: ${BUYERS} buyers, ${UNITS} units -> ${JSON.stringify(tally(attempts))}, ` +
          `503 retries ${attempts.reduce((s, a) => s + a.retries, 0)}, units per instance ${JSON.stringify(
            won.reduce<Record<string, number>>((m, a) => ({ ...m, [a.instance]: (m[a.instance] ?? 0) + 1 }), {}),
          )}\n`,
      );
    },
    180_000,
  );
  it.each(FLASH_SALE_STRATEGIES.map((s) => [s]))(
    '%s: a buyer sending the same purchase twice at once holds one unit, and every repeat answers like the first call',
    async (strategy) => {
      const units = 20;
      const sale = await startSale(fleet.gateway.url, strategy, units);
      const fresh = strategy === 'redis-reserve' ? 202 : 201;
      const pairs = await Promise.all(
        buyers.slice(0, units).map((b) => Promise.all([purchase(fleet.gateway.url, sale.id, b), purchase(fleet.gateway.url, sale.id, b)])),
      );
      const answer = (a: Attempt) =>
        a.status === fresh && !a.replayed
          ? 'fresh'
          : a.status === fresh && a.replayed
            ? 'replayed'
            : a.status === 409 && !a.replayed && /in progress/.test(String(a.body.message))
              ? 'in progress'
              : `unexpected ${a.status} replayed=${a.replayed} ${JSON.stringify(a.body)}`;
      for (const pair of pairs) {
        const kinds = pair.map(answer).sort();
        // Exactly one call took the unit; the other replayed it or (its order still being written) said so.
        expect([
          ['fresh', 'replayed'],
          ['fresh', 'in progress'],
        ]).toContainEqual(kinds);
        const [first, second] = pair as [Attempt, Attempt];
        if (fresh === 201 && first.status === 201 && second.status === 201) expect(first.body.orderId).toBe(second.body.orderId);
      }
      // Later repeats replay the purchase as it stands, with the one order it made.
      const truth = await eventually(async () => {
        const t = await saleTruth(sale.id, sale.sku);
        expect(t.purchases.filter((p) => p.state === 'ordered')).toHaveLength(units);
        return t;
      }, 60_000);
      for (const pair of pairs) {
        const b = (pair[0] as Attempt).buyer;
        const again = await purchase(fleet.gateway.url, sale.id, b);
        const row = truth.purchases.find((p) => p.user_id === b.id);
        expect({ status: again.status, replayed: again.replayed, state: again.body.state, orderId: again.body.orderId }).toEqual({
          status: fresh,
          replayed: true,
          state: 'ordered',
          orderId: row?.order_id,
        });
        expect(await heldBy(fleet.gateway.url, sale.id, b)).toMatchObject({ state: 'ordered', orderId: row?.order_id });
      }
      expect({ stock: truth.stock, sold: truth.sold, orders: truth.orderUsers.length }).toEqual({ stock: 0, sold: units, orders: units });
      expect(new Set(truth.orderUsers).size).toBe(units);
      // Past the stock, a new buyer's 409 is sold out, not a replay.
      const late = await purchase(fleet.gateway.url, sale.id, buyers[units] as Buyer);
      expect({ status: late.status, replayed: late.replayed }).toEqual({ status: 409, replayed: false });
      expect(String(late.body.message)).toMatch(/sold out/);
      process.stdout.write(
        `[flash-sale repeat] ${strategy}: ${units} buyers x 2 concurrent calls -> ${JSON.stringify(
          pairs.flat().reduce<Record<string, number>>((m, a) => ({ ...m, [answer(a)]: (m[answer(a)] ?? 0) + 1 }), {}),
        )}\n`,
      );
    },
    120_000,
  );
});
