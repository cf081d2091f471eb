import { randomUUID } from 'node:crypto';
import { REDIS_IDENTITIES, REDIS_PORT } from '@dsp/contracts';
import { RedisLockWakeups, RedisMutex, type RedisLease } from '@dsp/redis';
import { redisAs, testLogger } from '@dsp/testing';

/** The redis-lock strategy's lock against the real Redis: exclusive, renewed while held, never releases someone else's grant. */
describe('RedisMutex (SET NX PX, compare-and-delete, renewal, fencing tokens)', () => {
  const redis = redisAs('e2e-redis-mutex');

  beforeAll(() => redis.start());
  afterAll(async () => {
    await redis.close();
    await redis.close();
  });

  it('grants one holder at a time, with increasing tokens', async () => {
    const m = new RedisMutex(() => redis.client, `it-${randomUUID()}`, testLogger(), { leaseMs: 2000 });
    const a = await m.acquire(100);
    expect(a).toBeDefined();
    expect(await m.acquire(100)).toBeUndefined(); // taken
    expect(await a?.release()).toBe(true);
    expect(await a?.release()).toBe(false); // twice is safe
    const b = await m.acquire(100);
    expect(b && a && b.token > a.token).toBe(true);
    await b?.release();
  });

  it('keeps a lease alive past its length while the holder runs (renewal)', async () => {
    const m = new RedisMutex(() => redis.client, `it-${randomUUID()}`, testLogger(), { leaseMs: 300 });
    const a = await m.acquire(100);
    await new Promise((r) => setTimeout(r, 1000)); // > 3 leases
    expect(a?.isHeld).toBe(true);
    expect(await m.acquire(50)).toBeUndefined();
    await a?.release();
  });

  it('never deletes a later holder’s grant: a lost lease releases nothing', async () => {
    const name = `it-${randomUUID()}`;
    const m = new RedisMutex(() => redis.client, name, testLogger(), { leaseMs: 300 });
    const a = await m.acquire(100);
    let lost = 0;
    a?.onLoss(() => lost++);
    await redis.client.del(`dsp:lock:${name}`); // the lease is gone (expired, or Redis lost it)
    const b = await m.acquire(100);
    expect(b).toBeDefined();
    await new Promise((r) => setTimeout(r, 250)); // a's next renewal finds b's value
    expect(a?.isHeld).toBe(false);
    expect(lost).toBe(1);
    expect(await a?.release()).toBe(false);
    expect(await redis.client.exists(`dsp:lock:${name}`)).toBe(1); // b still holds it
    expect(b?.isHeld).toBe(true);
    await b?.release();
  });

  it('raises its token counter to a store’s token, never lowers it', async () => {
    const name = `it-${randomUUID()}`;
    const m = new RedisMutex(() => redis.client, name, testLogger());
    await m.raiseTokenFloor(1000n);
    const a = await m.acquire(100);
    expect(a?.token).toBe(1001n);
    await m.raiseTokenFloor(5n);
    await a?.release();
    const b = await m.acquire(100);
    expect(b?.token).toBe(1002n);
    await b?.release();
  });

  describe('fair (the default): first come, first served', () => {
    const other = redisAs('e2e-redis-mutex-2');
    const wakeups = [0, 1].map(
      (i) =>
        new RedisLockWakeups(
          {
            url: `redis://127.0.0.1:${REDIS_PORT}`,
            username: REDIS_IDENTITIES.operator.user,
            password: REDIS_IDENTITIES.operator.password,
            connectionName: `e2e-redis-mutex-wakeups-${i}`,
          },
          testLogger(),
        ),
    );
    beforeAll(() => other.start());
    afterAll(async () => {
      await Promise.all(wakeups.map((w) => w.close()));
      await other.close();
    });
    /** Two "instances" of the same lock: two connections, each with its own wake-ups. */
    const pair = (name: string, options = {}): RedisMutex[] =>
      [redis, other].map((c, i) => new RedisMutex(() => c.client, name, testLogger(), { wakeups: wakeups[i], ...options }));
    const queueOf = (name: string): Promise<string[]> => redis.client.lrange(`dsp:lock:${name}:queue`, 0, -1);
    async function untilQueued(name: string, n: number): Promise<void> {
      for (let i = 0; i < 200 && (await queueOf(name)).length < n; i++) await new Promise((r) => setTimeout(r, 10));
      expect((await queueOf(name)).length).toBe(n);
    }

    it('grants waiters in the order they came, across instances, and a holder that asks again queues behind them', async () => {
      const name = `it-${randomUUID()}`;
      const m = pair(name);
      const first = await m[0]?.acquire(100);
      const order: string[] = [];
      const waiters: Promise<RedisLease | undefined>[] = [];
      for (const [i, who] of ['a', 'b', 'c', 'd'].entries()) {
        waiters.push(
          (m[i % 2] as RedisMutex).acquire(10_000).then(async (lease) => {
            order.push(who);
            await new Promise((r) => setTimeout(r, 20));
            await lease?.release();
            return lease;
          }),
        );
        await untilQueued(name, i + 1); // each is queued before the next one asks
      }
      const again = m[0]?.acquire(10_000).then((lease) => (order.push('first again'), lease));
      await untilQueued(name, 5);
      await first?.release();
      const leases = await Promise.all(waiters);
      await (await again)?.release();
      expect(order).toEqual(['a', 'b', 'c', 'd', 'first again']);
      expect(leases.every((l) => l !== undefined)).toBe(true);
      expect(await queueOf(name)).toEqual([]);
    });

    it('no contender barges: 8 contenders taking the lock in a loop stay within two grants of each other', async () => {
      const name = `it-${randomUUID()}`;
      const m = pair(name);
      const grants = new Array<number>(8).fill(0);
      let worstSpread = 0;
      await Promise.all(
        grants.map(async (_, w) => {
          for (let k = 0; k < 15; k++) {
            const lease = await (m[w % 2] as RedisMutex).acquire(10_000);
            if (!lease) throw new Error(`contender ${w} not granted in 10 s`);
            grants[w] = (grants[w] ?? 0) + 1;
            const running = grants.filter((g) => g < 15);
            if (running.length === grants.length) worstSpread = Math.max(worstSpread, Math.max(...grants) - Math.min(...grants));
            await lease.release();
          }
        }),
      );
      expect(grants).toEqual(new Array(8).fill(15));
      // The plain race lets a releasing contender win again at once; a queue serves everyone queued first.
      expect(worstSpread).toBeLessThanOrEqual(2);
    });

    it('drops a queued waiter that stopped asking, and a waiter that gives up leaves the queue', async () => {
      const name = `it-${randomUUID()}`;
      const [m] = pair(name, { queueTtlMs: 300 });
      const holder = await m?.acquire(100);
      expect(await m?.acquire(60)).toBeUndefined(); // timed out: it left the queue
      expect(await queueOf(name)).toEqual([]);
      // A waiter whose process died: queued, then silent.
      await redis.client.rpush(`dsp:lock:${name}:queue`, 'dead-owner');
      await redis.client.hset(`dsp:lock:${name}:waiting`, 'dead-owner', '0');
      await holder?.release();
      const next = await m?.acquire(1000);
      expect(next).toBeDefined();
      expect(await queueOf(name)).toEqual([]);
      await next?.release();
    });

    it('hands the lock to the next waiter on release: its token follows at once, and a waiter that missed the wake-up still finds it', async () => {
      const name = `it-${randomUUID()}`;
      const [woken] = pair(name);
      // No wake-ups: this waiter learns of its hand-off only by asking again (a lost notification).
      const polling = new RedisMutex(() => other.client, name, testLogger(), { retryMinMs: 40, retryMaxMs: 40 });
      const first = await woken?.acquire(100);
      const second = polling.acquire(5_000);
      await untilQueued(name, 1);
      const third = (woken as RedisMutex).acquire(5_000);
      await untilQueued(name, 2);
      await first?.release();
      // Released: the lock already belongs to the head of the queue, nobody can take it in between.
      const queued = await queueOf(name);
      expect(queued).toHaveLength(1); // the polling waiter was popped by the hand-off; the third waits behind it
      const holder = await redis.client.get(`dsp:lock:${name}`);
      expect(holder).not.toBeNull();
      expect(holder).not.toBe(queued[0]);
      expect(await new RedisMutex(() => redis.client, name, testLogger(), { fair: false }).acquire(0)).toBeUndefined();
      const b = await second;
      expect(b?.token).toBe((first?.token ?? 0n) + 1n);
      await b?.release();
      const c = await third; // woken with its token by the release
      expect(c?.token).toBe((first?.token ?? 0n) + 2n);
      expect(await redis.client.get(`dsp:lock:${name}`)).not.toBeNull();
      await c?.release();
      expect(await redis.client.get(`dsp:lock:${name}`)).toBeNull();
    });

    it('never lets a waiter believe in a longer lease than Redis keeps: each waiter’s own lease, restarted when it finds a hand-off late', async () => {
      const name = `it-${randomUUID()}`;
      // The holder's lease is short; the waiter's is long and it polls slowly (no wake-ups): it finds its hand-off 100-300 ms late.
      const holderMutex = new RedisMutex(() => redis.client, name, testLogger(), { leaseMs: 1000 });
      const slow = new RedisMutex(() => other.client, name, testLogger(), { leaseMs: 5000, retryMinMs: 200, retryMaxMs: 200 });
      const first = await holderMutex.acquire(100);
      const waiting = slow.acquire(5_000);
      await untilQueued(name, 1);
      await first?.release();
      // Handed off for the waiter's own lease, not the releaser's.
      expect(await redis.client.pttl(`dsp:lock:${name}`)).toBeGreaterThan(4000);
      const lease = await waiting;
      const found = performance.now();
      // The waiter counts 5 s from its last ask; Redis must keep the key at least as long from now.
      expect(await redis.client.pttl(`dsp:lock:${name}`)).toBeGreaterThanOrEqual(5000 - (performance.now() - found) - 50);
      expect(lease?.isHeld).toBe(true);
      await lease?.release();
    });

    it('refuses a queue lifetime that a polling waiter could outlive', () => {
      expect(() => new RedisMutex(() => redis.client, 'x', testLogger(), { queueTtlMs: 50, retryMaxMs: 40 })).toThrow(/queueTtlMs/);
    });
  });
});
