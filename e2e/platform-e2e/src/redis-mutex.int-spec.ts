import { randomUUID } from 'node:crypto';
import { RedisMutex } from '@dsp/redis';
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
});
