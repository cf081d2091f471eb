import { randomUUID } from 'node:crypto';
import { stackControl } from '@dsp/ops';
import { eventually, mysqlAdmin, placeOrder, shopper, startPlatform, type PlatformFleet, type Shopper } from '@dsp/testing';
import { pool, statsOf, unpublished } from './stats';

/**
 * At least this many orders are placed through the gateway while brokers die, and
 * more until every broker has been killed once (so a fast machine still kills them
 * all). The run: BROKER_KILL_ORDERS=10000.
 */
const ORDERS = Number(process.env['BROKER_KILL_ORDERS'] ?? 1500);
/**
 * A broker is killed (kill -9) this often, then restarted; the next kill waits for the cluster to serve
 * again (a restart takes 12-25 s here, so by default each broker dies as soon as the one before is back).
 * The run: every 20 s.
 */
const KILL_EVERY_MS = Number(process.env['BROKER_KILL_EVERY_MS'] ?? 8_000);
const USERS = 20;
const BROKERS = ['kafka-1', 'kafka-2', 'kafka-3'];

describe(`at least ${ORDERS} orders while a Kafka broker is killed every ${KILL_EVERY_MS / 1000} s (outbox -> Kafka -> inbox)`, () => {
  let fleet: PlatformFleet;
  let shoppers: Shopper[];

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 2 });
    shoppers = [];
    for (let i = 0; i < USERS; i++) shoppers.push(await shopper(fleet.gateway.url));
  });

  afterAll(async () => {
    for (const b of BROKERS) if (stackControl.pid(b) === undefined) await stackControl.restart(b).catch(() => undefined);
    await fleet?.stop();
  });

  it('should give every acknowledged order exactly one consumed effect: 0 lost, 0 duplicated', async () => {
    const before = await statsOf(shoppers.map((s) => s.id));
    const placed = new Map<string, string[]>();
    let done = false;
    const kills: string[] = [];
    const t0 = Date.now();
    // Kill at t0 + k x interval (or, if the last restart took longer, as soon as it is back).
    const killer = (async () => {
      for (let k = 1; !done; k++) {
        // Past one kill per broker, another only while orders are still to be placed (a long run keeps killing).
        if (k > BROKERS.length && [...placed.values()].flat().length >= ORDERS) break;
        const wait = t0 + k * KILL_EVERY_MS - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (done) break;
        const broker = BROKERS[(k - 1) % BROKERS.length] as string;
        stackControl.kill(broker);
        const at = Date.now();
        await stackControl.restart(broker);
        kills.push(
          `${broker} at +${((at - t0) / 1000).toFixed(0)} s (cluster serving again after ${((Date.now() - at) / 1000).toFixed(1)} s)`,
        );
      }
    })();
    try {
      // Up to 10 x ORDERS slots; past ORDERS, a slot places nothing once every broker was killed.
      await pool(
        Array.from({ length: ORDERS * 10 }, (_, i) => i),
        8,
        async (i) => {
          if (i >= ORDERS && new Set(kills.map((k) => k.split(' ')[0])).size === BROKERS.length) return;
          const s = shoppers[i % USERS] as Shopper;
          const key = `bk-${randomUUID()}`;
          const deadline = Date.now() + 60_000;
          while (Date.now() < deadline) {
            const r = await placeOrder(s, [{ sku: 'SKU-MUG', quantity: 1 }], key);
            if (r.status === 201) {
              placed.set(s.id, [...(placed.get(s.id) ?? []), r.body.id]);
              return;
            }
            await new Promise((res) => setTimeout(res, r.status === 409 ? 1000 : 200));
          }
          throw new Error(`order ${i} was never acknowledged`);
        },
      );
    } finally {
      done = true;
      await killer;
    }
    const placedMs = Date.now() - t0;
    const ids = [...placed.values()].flat();
    expect(ids.length).toBeGreaterThanOrEqual(ORDERS);
    expect(new Set(ids).size).toBe(ids.length);
    const printRelayLines = (e: unknown): never => {
      for (const o of fleet.orders) {
        const lines = o
          .output()
          .split('\n')
          .filter((l) => /outbox|relay|leader|kafka|producer/i.test(l));
        process.stdout.write(`--- ${o.name} (${lines.length} relay lines)\n${lines.slice(-40).join('\n')}\n`);
      }
      throw e;
    };
    await eventually(async () => expect(await unpublished(ids)).toBe(0), 120_000).catch(printRelayLines);
    await eventually(async () => {
      const after = await statsOf(shoppers.map((s) => s.id));
      const diff = shoppers.map((s) => ({
        user: s.id,
        effects: (after.get(s.id)?.orders ?? 0) - (before.get(s.id)?.orders ?? 0),
        acknowledged: placed.get(s.id)?.length ?? 0,
      }));
      expect(diff.filter((d) => d.effects !== d.acknowledged)).toEqual([]);
    }, 180_000).catch(printRelayLines);
    const inbox = await mysqlAdmin.query('mysql-c0-primary', 'SELECT COUNT(*) AS n FROM user_db.inbox');
    process.stdout.write(
      `broker kill: ${ids.length} orders placed in ${(placedMs / 1000).toFixed(1)} s (${((ids.length * 1000) / placedMs).toFixed(0)}/s); brokers killed: ${kills.join(', ') || 'none'}; every order's effect applied exactly once (inbox rows total ${String(inbox[0]?.['n'])})\n`,
    );
    expect(new Set(kills.map((k) => k.split(' ')[0]))).toEqual(new Set(BROKERS)); // each broker died at least once
  }, 900_000);
});
