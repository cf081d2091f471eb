import { randomUUID } from 'node:crypto';
import { connectedZk, FencedRegister, testLogger } from '@dsp/testing';
import { InterProcessMutex, WorkerIdAllocator, type ZookeeperClient } from '@dsp/zookeeper';

describe('lock and worker-id recipes on the real ensemble', () => {
  const clients: ZookeeperClient[] = [];

  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  // Size parameters for heavier runs; the defaults already prove the property.
  const CONTENDERS = Number(process.env['MUTEX_CONTENDERS'] ?? 20);
  const TOTAL = Number(process.env['MUTEX_INCREMENTS'] ?? 1000);

  describe(`when ${CONTENDERS} contenders increment a racy counter outside ZooKeeper ${TOTAL} times under InterProcessMutex`, () => {
    it(`should end exactly at ${TOTAL}, with a strictly increasing fencing token per grant`, async () => {
      if (TOTAL % CONTENDERS !== 0) throw new Error('MUTEX_INCREMENTS must be a multiple of MUTEX_CONTENDERS');
      const name = `it-mutex-${randomUUID().slice(0, 8)}`;
      const store = new FencedRegister(`it:${name}`);
      // Each contender has its own session, as separate processes would.
      const sessions = await Promise.all(Array.from({ length: CONTENDERS }, () => connectedZk()));
      clients.push(...sessions);
      const tokens: bigint[] = [];
      let inside = 0;
      let maxInside = 0;
      try {
        await Promise.all(
          sessions.map(async (zk) => {
            const mutex = new InterProcessMutex(zk, name, testLogger());
            for (let i = 0; i < TOTAL / CONTENDERS; i++) {
              const token = await mutex.acquire(60_000);
              if (token === undefined) throw new Error('acquire timed out');
              inside++;
              maxInside = Math.max(maxInside, inside);
              tokens.push(token);
              await store.incrementUnsafely(); // GET then SET: loses updates without mutual exclusion
              inside--;
              await mutex.release();
            }
          }),
        );
        expect(await store.counter()).toBe(TOTAL);
        expect(maxInside).toBe(1);
        expect(tokens).toHaveLength(TOTAL);
        expect(tokens.every((t, i) => i === 0 || t > (tokens[i - 1] as bigint))).toBe(true);
      } finally {
        await store.close();
      }
    });
  });

  describe('when several instances claim snowflake worker ids at once', () => {
    it('should hand each live instance a distinct id, and free it when the instance leaves', async () => {
      const service = `it-workers-${randomUUID().slice(0, 8)}`;
      const sessions = await Promise.all(Array.from({ length: 6 }, () => connectedZk()));
      clients.push(...sessions);
      const allocators = sessions.map((zk, i) => new WorkerIdAllocator(zk, service, `instance-${i}`, testLogger()));
      const ids = await Promise.all(allocators.map((a) => a.allocate()));
      expect(new Set(ids).size).toBe(6);
      expect(ids.every((id) => id >= 0 && id < 1024)).toBe(true);
      await allocators[0]?.close();
      expect(allocators[0]?.workerId).toBeUndefined();
      for (const a of allocators.slice(1)) await a.close();
    });
  });
});
