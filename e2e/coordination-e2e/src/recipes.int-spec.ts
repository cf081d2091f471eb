import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT } from '@dsp/infra-stack';
import { connectedZk, FencedRegister, testLogger } from '@dsp/testing';
import { WorkerIdAllocator, type ZookeeperClient } from '@dsp/zookeeper';
import { runContenders, type ContendersResult } from './fixtures/mutex-contenders';

describe('lock and worker-id recipes on the real ensemble', () => {
  const clients: ZookeeperClient[] = [];

  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  // Size parameters for heavier runs; the defaults already prove the property.
  const CONTENDERS = Number(process.env['MUTEX_CONTENDERS'] ?? 20);
  const TOTAL = Number(process.env['MUTEX_INCREMENTS'] ?? 1000);

  describe(`when ${CONTENDERS} contenders in 2 processes increment a racy counter outside ZooKeeper ${TOTAL} times under InterProcessMutex`, () => {
    it(`should end exactly at ${TOTAL}, with fencing tokens that only grow in grant order across both processes`, async () => {
      if (TOTAL % CONTENDERS !== 0 || CONTENDERS % 2 !== 0) throw new Error('MUTEX_CONTENDERS must be even and divide MUTEX_INCREMENTS');
      const name = `it-mutex-${randomUUID().slice(0, 8)}`;
      const storeName = `it:${name}`;
      const each = TOTAL / CONTENDERS;
      // Half the contenders in another process, each with its own session, as separate services would be.
      const other = spawn(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'fixtures', 'mutex-contenders.ts'), name, storeName, String(CONTENDERS / 2), String(each)],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      other.stdout.on('data', (d: Buffer) => (out += d.toString()));
      other.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => other.once('exit', (code) => r(code)));
      const mine = await runContenders(name, storeName, CONTENDERS / 2, each);
      expect(await exited).toBe(0);
      const theirs = JSON.parse(/RESULT=(.*)/.exec(out)?.[1] ?? 'null') as ContendersResult | null;
      expect(theirs).not.toBeNull();
      const store = new FencedRegister(storeName);
      try {
        expect(mine.grants + (theirs as ContendersResult).grants).toBe(TOTAL);
        expect(await store.counter()).toBe(TOTAL);
        expect(mine.fencedRejects + (theirs as ContendersResult).fencedRejects).toBe(0);
        expect(mine.maxInside).toBe(1);
        expect((theirs as ContendersResult).maxInside).toBe(1);
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
