import { randomUUID } from 'node:crypto';
import { redisAs, testLogger } from '@dsp/testing';
import { SessionStore } from '@dsp/redis';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SessionStore (real Redis)', () => {
  const prefix = `test:${randomUUID()}:`;
  const conn = redisAs('session-store-int');
  let store: SessionStore;
  const newSession = (userId: string, idleTimeoutMs = 60_000, absoluteTimeoutMs = 120_000) =>
    store.create({ userId, username: `u${userId}`, idleTimeoutMs, absoluteTimeoutMs, ip: '127.0.0.1', userAgent: 'jest' });

  beforeAll(async () => {
    await conn.start();
    store = new SessionStore(() => conn.client, testLogger(), { keyPrefix: prefix });
    store.start();
  });

  afterAll(async () => {
    store.close();
    await conn.close();
  });

  describe('when a session is created', () => {
    it('should store only the hash of its 256-bit id, with a TTL no longer than the idle timeout', async () => {
      const { id, record } = await newSession('1', 5_000, 60_000);
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(record.handle).not.toBe(id);
      const keys = await conn.client.keys(`*${id}*`);
      expect(keys).toEqual([]);
      const ttl = await store.ttlMs(record.handle);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5_000);
      expect((await store.authenticate(id))?.userId).toBe('1');
    });

    it('should refuse ids of the wrong shape without asking Redis, and unknown ids', async () => {
      await expect(store.authenticate('short')).resolves.toBeUndefined();
      await expect(store.authenticate('A'.repeat(43))).resolves.toBeUndefined();
    });
  });

  describe('when time passes', () => {
    it('should slide the idle timeout on use and expire an idle session', async () => {
      const { id } = await newSession('2', 1_200, 60_000);
      for (let i = 0; i < 4; i++) {
        await sleep(600);
        expect(await store.authenticate(id)).toBeDefined();
      }
      await sleep(1_500);
      expect(await store.authenticate(id)).toBeUndefined();
    });

    it('should end a session at its absolute timeout even while it is used', async () => {
      const { id } = await newSession('3', 1_500, 2_000);
      await sleep(1_000);
      expect(await store.authenticate(id)).toBeDefined();
      await sleep(1_100);
      expect(await store.authenticate(id)).toBeUndefined();
    });
  });

  describe('when a logout races other requests', () => {
    it('should never bring the session back (200 touches and patches against one destroy)', async () => {
      const { id, record } = await newSession('4');
      const racers = Array.from({ length: 200 }, (_, i) =>
        i % 2 ? store.authenticate(id) : store.patch(record.handle, { readPositions: { user_db: `0-1-${i}` } }),
      );
      const destroyed = store.destroy('4', record.handle);
      await Promise.all([...racers, destroyed]);
      expect(await conn.client.exists(`${prefix}sess:${record.handle}`)).toBe(0);
      expect(await store.authenticate(id)).toBeUndefined();
      expect(await store.patch(record.handle, { readPositions: { user_db: '0-1-999' } })).toBe(false);
    });
  });

  describe('when fields change', () => {
    it('should touch only its own fields (a patch does not undo a concurrent touch)', async () => {
      const { id, record } = await newSession('5');
      await sleep(20);
      await Promise.all([store.authenticate(id), store.patch(record.handle, { readPositions: { order_db_1: '0-1-77' } })]);
      const after = await store.get(record.handle);
      expect(after?.readPositions).toEqual({ order_db_1: '0-1-77' });
      expect(after?.lastSeenAt).toBeGreaterThan(record.lastSeenAt);
      expect(after?.username).toBe('u5');
    });
  });

  describe('when a user has several sessions', () => {
    it('should list them newest first and revoke all but one', async () => {
      const a = await newSession('6');
      await sleep(5);
      const b = await newSession('6');
      await sleep(5);
      const c = await newSession('6');
      expect((await store.list('6')).map((s) => s.handle)).toEqual([c.record.handle, b.record.handle, a.record.handle]);
      expect(await store.revokeAll('6', b.record.handle)).toBe(2);
      expect(await store.authenticate(a.id)).toBeUndefined();
      expect(await store.authenticate(c.id)).toBeUndefined();
      expect(await store.authenticate(b.id)).toBeDefined();
      expect((await store.list('6')).map((s) => s.handle)).toEqual([b.record.handle]);
    });

    it('should prune index entries of sessions that expired on their own', async () => {
      const short = await newSession('7', 1_000, 60_000);
      const long = await newSession('7');
      await sleep(1_300);
      expect((await store.list('7')).map((s) => s.handle)).toEqual([long.record.handle]);
      expect(short.record.handle).not.toBe(long.record.handle);
    });
  });
});
