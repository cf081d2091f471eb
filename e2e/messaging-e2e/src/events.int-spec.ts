import { randomUUID } from 'node:crypto';
import { dlqTopic, KAFKA_GROUPS, TOPICS } from '@dsp/contracts';
import {
  eventually,
  kafkaProbe,
  placeOrder,
  shopper,
  startPlatform,
  type PlatformFleet,
  type Shopper,
  type SpawnedService,
} from '@dsp/testing';
import { pool, statsOf, unpublished } from './stats';

/** Orders placed while the relay leader is killed. */
const RELAY_ORDERS = Number(process.env['RELAY_KILL_ORDERS'] ?? 600);

function relayLeader(fleet: PlatformFleet): SpawnedService | undefined {
  return fleet.orders
    .filter((o) => o.child.exitCode === null && o.child.signalCode === null)
    .find((o) => {
      const out = o.output();
      return out.lastIndexOf('"outbox relay started"') > out.lastIndexOf('"outbox relay stopped"');
    });
}

describe('events through Kafka: outbox relay, inbox, retries and DLQ (real Kafka, MariaDB, ZooKeeper)', () => {
  let fleet: PlatformFleet;
  let shoppers: Shopper[];

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 2 });
    shoppers = [];
    for (let i = 0; i < 6; i++) shoppers.push(await shopper(fleet.gateway.url));
    await eventually(() => expect(relayLeader(fleet)).toBeDefined(), 20_000);
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  describe('when orders are created and paid', () => {
    it("should update the user's statistics from the events, once each, and show them in /api/users/me", async () => {
      const s = shoppers[0] as Shopper;
      const a = await placeOrder(s, [{ sku: 'SKU-MUG', quantity: 2 }]);
      const b = await placeOrder(s, [{ sku: 'SKU-BOOK', quantity: 1 }]);
      expect((await s.client.post(`/api/orders/${a.body.id}/pay`)).status).toBe(200);
      await eventually(async () => {
        const me = await s.client.get<{ orderStats: { ordersCount: string; paidCount: string; totalSpentCents: string } }>('/api/users/me');
        expect(me.body.orderStats).toEqual({ ordersCount: '2', paidCount: '1', totalSpentCents: '2400' });
      }, 20_000);
      expect(b.status).toBe(201);
    });
  });

  describe('when the relay leader is killed (kill -9) mid-stream', () => {
    it(`should hand the relay to the other instance and publish every outbox row (${RELAY_ORDERS} orders), each consumed exactly once`, async () => {
      const leader = relayLeader(fleet) as SpawnedService;
      const placed = new Map<string, string[]>();
      let killed = false;
      await pool(
        Array.from({ length: RELAY_ORDERS }, (_, i) => i),
        6,
        async (i) => {
          if (i === Math.floor(RELAY_ORDERS / 3) && !killed) {
            killed = true;
            leader.child.kill('SIGKILL');
          }
          const s = shoppers[i % shoppers.length] as Shopper;
          // Retry the same key until acknowledged, as a client would: a request that was in flight on the
          // killed instance leaves its key "in flight" (409) until it is taken over (inFlightTakeoverMs, 30 s).
          const key = `relay-${randomUUID()}`;
          const deadline = Date.now() + 60_000;
          while (Date.now() < deadline) {
            const r = await placeOrder(s, [{ sku: 'SKU-TEE', quantity: 1 }], key);
            if (r.status === 201) {
              placed.set(s.id, [...(placed.get(s.id) ?? []), r.body.id]);
              return;
            }
            await new Promise((res) => setTimeout(res, r.status === 409 ? 1000 : 100));
          }
          throw new Error(`order ${i} never acknowledged`);
        },
      );
      const ids = [...placed.values()].flat();
      expect(new Set(ids).size).toBe(RELAY_ORDERS);
      const survivor = fleet.orders.find((o) => o !== leader) as SpawnedService;
      await eventually(() => expect(relayLeader(fleet)).toBe(survivor), 20_000);
      await eventually(async () => expect(await unpublished(ids)).toBe(0), 60_000);
      await eventually(async () => {
        const stats = await statsOf(shoppers.map((s) => s.id));
        for (const s of shoppers) {
          const expected = (placed.get(s.id)?.length ?? 0) + (s === shoppers[0] ? 2 : 0);
          expect({ user: s.id, orders: stats.get(s.id)?.orders ?? 0 }).toEqual({ user: s.id, orders: expected });
        }
      }, 60_000);
    });
  });

  describe('when a poison message arrives', () => {
    it("should put it in the stats group's .dlq with the reason, and process the messages behind it on the same partition", async () => {
      // A user with no orders in flight, so the count can only move by the event below.
      const s = await shopper(fleet.gateway.url);
      const before = (await statsOf([s.id])).get(s.id)?.orders ?? 0;
      const poisonKey = `poison-${randomUUID()}`;
      // Same key as the good event below: same partition, right in front of it.
      await kafkaProbe.publish(
        TOPICS.orderCreated,
        poisonKey,
        JSON.stringify({ eventId: randomUUID(), type: 'order.created', version: 99, payload: {} }),
      );
      const good = {
        eventId: randomUUID(),
        type: 'order.created',
        version: 1,
        aggregateId: poisonKey,
        occurredAt: new Date().toISOString(),
        payload: { orderId: '1', userId: s.id, status: 'CREATED', totalCents: '100', currency: 'EUR' },
      };
      await kafkaProbe.publish(TOPICS.orderCreated, poisonKey, JSON.stringify(good));
      const dead = await kafkaProbe.waitFor(
        dlqTopic(TOPICS.orderCreated, KAFKA_GROUPS.userOrderStats.groupId),
        (m) => m.key === poisonKey,
        30_000,
      );
      expect(dead.headers['x-error']).toMatch(/^poison \(attempt 1\): unknown event version 99/);
      expect(dead.headers['x-original-topic']).toBe(TOPICS.orderCreated);
      await eventually(async () => expect((await statsOf([s.id])).get(s.id)?.orders).toBe(before + 1), 20_000);
    });
  });
});
