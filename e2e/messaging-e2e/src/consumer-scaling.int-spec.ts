import { randomUUID } from 'node:crypto';
import { TOPICS } from '@dsp/contracts';
import {
  counter,
  scrape,
  E2E_PROFILE,
  eventually,
  kafkaProbe,
  placeOrder,
  shopper,
  spawnService,
  startPlatform,
  type PlatformFleet,
  type Shopper,
  type SpawnedService,
} from '@dsp/testing';
import { statsOf } from './stats';

/** Orders placed while the consumer group goes 1 -> 2 -> 1 instances, the last change a kill -9. */
const ORDERS = Number(process.env['SCALING_ORDERS'] ?? 1500);

describe('order-statistics consumers scaled 1 -> 2 -> 1, one killed mid-batch (real Kafka consumer group)', () => {
  let fleet: PlatformFleet;
  let shoppers: Shopper[];
  let second: SpawnedService | undefined;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1 });
    shoppers = [];
    for (let i = 0; i < 6; i++) shoppers.push(await shopper(fleet.gateway.url));
  });

  afterAll(async () => {
    await second?.stop();
    await fleet?.stop();
  });

  it(`should apply each of ${ORDERS} orders exactly once, and bring the lag back to 0`, async () => {
    const before = await statsOf(shoppers.map((s) => s.id));
    const placed = new Map<string, number>();
    let next = 0;
    const events: string[] = [];
    const producer = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < ORDERS) {
          const i = next++;
          const s = shoppers[i % shoppers.length] as Shopper;
          const key = `scale-${randomUUID()}`;
          for (const deadline = Date.now() + 60_000; ;) {
            const r = await placeOrder(s, [{ sku: 'SKU-MUG', quantity: 1 }], key);
            if (r.status === 201) break;
            if (Date.now() > deadline) throw new Error(`order ${i} never acknowledged`);
            await new Promise((res) => setTimeout(res, r.status === 409 ? 1000 : 200));
          }
          placed.set(s.id, (placed.get(s.id) ?? 0) + 1);
          if (i === Math.floor(ORDERS / 4)) {
            events.push(`scale to 2 at order ${i}`);
            void spawnService('user-service', { PORT: '0', CONFIG_PROFILE: E2E_PROFILE, ZK_SESSION_TIMEOUT_MS: '2000' }, 60_000).then(
              (svc) => (second = svc),
            );
          }
          if (i === Math.floor((ORDERS * 2) / 3)) {
            events.push(`kill -9 the first consumer at order ${i}`);
            fleet.users[0]?.child.kill('SIGKILL');
          }
        }
      }),
    );
    await producer;
    expect(second).toBeDefined();
    await eventually(async () => {
      const after = await statsOf(shoppers.map((s) => s.id));
      const wrong = shoppers
        .map((s) => ({
          user: s.id,
          effects: (after.get(s.id)?.orders ?? 0) - (before.get(s.id)?.orders ?? 0),
          acknowledged: placed.get(s.id) ?? 0,
        }))
        .filter((d) => d.effects !== d.acknowledged);
      expect(wrong).toEqual([]);
    }, 120_000);
    await eventually(async () => {
      const lag = await kafkaProbe.groupLag('user-service.order-stats', [TOPICS.orderCreated]);
      expect(lag[TOPICS.orderCreated]).toBe(0);
    }, 60_000);
    // The surviving instance exports the same lag in its metrics.
    await eventually(
      async () =>
        expect(
          await counter(second as SpawnedService, 'kafka_consumer_lag', { group: 'user-service.order-stats', topic: TOPICS.orderCreated }),
        ).toBe(0),
      20_000,
    );
    expect((await scrape(second as SpawnedService)).includes('kafka_consumer_lag{')).toBe(true);
    process.stdout.write(`consumer scaling: ${ORDERS} orders; ${events.join('; ')}; every effect applied once, lag 0\n`);
  }, 600_000);
});
