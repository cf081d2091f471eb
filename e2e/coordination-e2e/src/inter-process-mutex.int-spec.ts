import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT } from '@dsp/infra-stack';
import { eventually, expireSession, FencedRegister, suiteZk, testLogger } from '@dsp/testing';
import { InterProcessMutex, type LockLossReason } from '@dsp/zookeeper';
import { runContenders, type ContendersResult } from './fixtures/mutex-contenders';

/**
 * Session expiry is forced for real: a second handle joins the session with its
 * id and password and closes it. The owner's next contact with the ensemble
 * learns that the session expired.
 */
describe('InterProcessMutex on the real ensemble (docs/notes.md, points 22, 29)', () => {
  const zk = suiteZk({ sessionTimeoutMs: 4000 });

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

  describe('when the holder of a lock loses its session', () => {
    it('should tell the holder the lock is LOST, and let the next contender in with a higher fencing token', async () => {
      const holderZk = await zk();
      const nextZk = await zk();
      const name = `it-lock-${randomUUID().slice(0, 8)}`;
      const holder = new InterProcessMutex(holderZk, name, testLogger());
      const next = new InterProcessMutex(nextZk, name, testLogger());
      const losses: LockLossReason[] = [];
      holder.onLoss((r) => losses.push(r));
      const t1 = await holder.acquire(5000);
      expect(t1).toBeDefined();
      const waiting = next.acquire(20_000);

      await expireSession(holderZk);
      const t2 = await waiting;
      await eventually(() => expect(losses).toContain('LOST'));
      expect(holder.isHeld).toBe(false);
      expect(t2).toBeDefined();
      expect((t2 as bigint) > (t1 as bigint)).toBe(true);
      await next.release();
    });
  });

  describe('when the lock holder is frozen (SIGSTOP) past its session timeout', () => {
    it('should lose the lock to the next process, and its late write with the old token should be rejected', async () => {
      const lockName = `it-fence-${randomUUID().slice(0, 8)}`;
      const storeName = `it:${lockName}`;
      const store = new FencedRegister(storeName);
      // `node --import tsx`, not the tsx CLI: the CLI runs the script in a child, and SIGSTOP must freeze the holder itself.
      const holder = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'lock-holder.ts'), lockName, storeName], {
        cwd: REPO_ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      holder.stdout.on('data', (d: Buffer) => (out += d.toString()));
      holder.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => holder.once('exit', (code) => r(code)));
      const nextZk = await zk();
      try {
        const oldToken = BigInt(
          await eventually(() => /TOKEN=(\d+)/.exec(out)?.[1] ?? Promise.reject(new Error(`no token yet: ${out}`)), 30_000),
        );

        holder.kill('SIGSTOP'); // frozen: no pings, no way to notice anything
        const next = new InterProcessMutex(nextZk, lockName, testLogger());
        const newToken = await next.acquire(20_000); // granted once the frozen holder's session expires
        expect(newToken).toBeDefined();
        expect((newToken as bigint) > oldToken).toBe(true);
        expect(await store.write(newToken as bigint, 'written by the new holder')).toBe(true);

        holder.kill('SIGCONT');
        holder.stdin.write('write\n');
        await eventually(() => /RESULT=(\w+)/.exec(out)?.[1] ?? Promise.reject(new Error(`no result yet: ${out}`)), 20_000);
        expect(out).toContain('RESULT=rejected');
        expect(await store.read()).toBe('written by the new holder');
        await next.release();
        expect(await exited).toBe(0);
      } finally {
        holder.kill('SIGCONT');
        holder.kill('SIGKILL');
        await store.close();
      }
    });
  });
});
