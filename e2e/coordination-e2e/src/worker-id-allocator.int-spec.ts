import { randomUUID } from 'node:crypto';
import { suiteZk, testLogger } from '@dsp/testing';
import { WorkerIdAllocator } from '@dsp/zookeeper';

describe('WorkerIdAllocator on the real ensemble', () => {
  const zk = suiteZk();

  describe('when several instances claim snowflake worker ids at once', () => {
    it('should hand each live instance a distinct id, and free it when the instance leaves', async () => {
      const service = `it-workers-${randomUUID().slice(0, 8)}`;
      const sessions = await Promise.all(Array.from({ length: 6 }, () => zk()));
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
