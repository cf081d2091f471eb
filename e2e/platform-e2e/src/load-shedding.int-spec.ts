import { idemKey, placeOrder, scrape, shopper, startPlatform, type PlatformFleet, type Shopper } from '@dsp/testing';

/** Orders fired at once at an order-service that works on 2 at a time and queues none (`LOAD_SHED_BURST`). */
const BURST = Number(process.env['LOAD_SHED_BURST'] ?? 24);

/**
 * Load shedding (docs/overload.md, ADR 0025), on a real fleet: order-service is started with
 * `MAX_IN_FLIGHT=2` and `MAX_QUEUE_MS=0`, and one buyer fires a burst of orders at once through the
 * gateway. The excess is refused 503 with `Retry-After` before order-service does any of its work,
 * so a refused order left nothing behind, and retrying it with its idempotency key places it once.
 */
describe('load shedding through the gateway (real gateway, services, MariaDB)', () => {
  let fleet: PlatformFleet;
  let buyer: Shopper;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1, orderEnv: { MAX_IN_FLIGHT: '2', MAX_QUEUE_MS: '0' } });
    buyer = await shopper(fleet.gateway.url);
  }, 120_000);
  afterAll(() => fleet?.stop());

  const myOrders = async (): Promise<string[]> => {
    const page = await buyer.client.get<{ orders: { id: string }[] }>('/api/orders?limit=100');
    expect(page.status).toBe(200);
    return page.body.orders.map((o) => o.id);
  };

  it('refuses the excess of a burst with a fast 503 and Retry-After; a refused order left nothing, and its retry places it once', async () => {
    const keys = Array.from({ length: BURST }, () => idemKey());
    const first = await Promise.all(keys.map((k) => placeOrder(buyer, undefined, k)));
    const placed = first.filter((r) => r.status === 201);
    const shed = first.filter((r) => r.status === 503);
    expect(placed.length + shed.length).toBe(BURST);
    expect(placed.length).toBeGreaterThanOrEqual(2);
    expect(shed.length).toBeGreaterThan(0);
    for (const r of shed) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.body).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.stringMatching(/^overloaded: every slot is taken/),
      });
      // order-service refused it, and the gateway passed its answer on.
      expect(r.headers.get('x-upstream-instance')).toMatch(/^e2e-os-/);
    }
    expect((await myOrders()).sort()).toEqual(placed.map((r) => r.body.id).sort());

    // Retried one at a time, as a client honouring Retry-After would: each shed order is placed exactly once.
    for (const [i, r] of first.entries()) if (r.status === 503) expect((await placeOrder(buyer, undefined, keys[i])).status).toBe(201);
    expect(new Set(await myOrders()).size).toBe(BURST);
    expect(await scrape({ url: String(fleet.orders[0]?.url) })).toMatch(
      new RegExp(`http_requests_shed_total\\{reason="queue-full"[^}]*\\} ${shed.length}\\b`),
    );
  });
});
