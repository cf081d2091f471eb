import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT } from '@dsp/infra-stack';
import { connectedZk, eventually, FencedRegister, testLogger } from '@dsp/testing';
import { InterProcessMutex } from '@dsp/zookeeper';

describe('InterProcessMutex fencing across processes (docs/notes.md, points 22, 29)', () => {
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
      const zk = await connectedZk();
      try {
        const oldToken = BigInt(
          await eventually(() => /TOKEN=(\d+)/.exec(out)?.[1] ?? Promise.reject(new Error(`no token yet: ${out}`)), 30_000),
        );

        holder.kill('SIGSTOP'); // frozen: no pings, no way to notice anything
        const next = new InterProcessMutex(zk, lockName, testLogger());
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
        await zk.close();
      }
    });
  });
});
