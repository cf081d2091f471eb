import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { FlashSaleStrategyName } from '@dsp/contracts';
import { seedBuyers, type Buyer } from '@dsp/ops';
import { eventually, startPlatform, type PlatformFleet } from '@dsp/testing';
import { purchase, saleTruth, startSale } from './flash-sale-helpers';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/**
 * docs/notes.md, points 22 and 29: a lock is only as good as its fencing. A holder that
 * read the stock, then froze past its ZooKeeper session (or its Redis lease),
 * resumes believing it still holds the lock; another buyer took the lock and
 * a unit meanwhile. Its write would set the stock back to what it read (a lost
 * update: two units sold, one counted). The database refuses it: its token is
 * older than the one that wrote last.
 */
describe.each<[FlashSaleStrategyName, string]>([
  ['zk-lock', 'past its ZooKeeper session (2 s)'],
  ['redis-lock', 'past its Redis lease (1.5 s)'],
])('flash sale %s: a holder frozen %s is fenced off', (strategy) => {
  let fleet: PlatformFleet;
  let frozen: Buyer;
  let other: Buyer;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1 });
    [frozen, other] = (await seedBuyers({ gatewayUrl: fleet.gateway.url, count: 2 })) as [Buyer, Buyer];
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('its late write is rejected, the newer holder’s purchase stands, stock and sold agree', async () => {
    const sale = await startSale(fleet.gateway.url, strategy, 10);
    // `node --import tsx`, not the tsx CLI: SIGSTOP must freeze the holder itself, not a wrapper.
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'fixtures', 'flash-sale-holder.ts'), strategy, sale.id, frozen.id],
      {
        cwd: REPO_ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    holder.stdout.on('data', (d: Buffer) => (out += d.toString()));
    holder.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => holder.once('exit', (code) => r(code)));
    try {
      const oldToken = BigInt(await eventually(() => /TOKEN=(\d+)/.exec(out)?.[1] ?? Promise.reject(new Error(`holder: ${out}`)), 30_000));
      expect(out).toContain('STOCK=10');
      holder.kill('SIGSTOP');

      // The purchase waits for the lock; it is granted once the frozen holder's session or lease is gone.
      const started = Date.now();
      const won = await purchase(fleet.gateway.url, sale.id, other);
      expect(won.status).toBe(201);
      expect(won.body.state).toBe('ordered');
      const waited = Date.now() - started;
      const afterWin = await saleTruth(sale.id, sale.sku);
      expect(BigInt(afterWin.fence) > oldToken).toBe(true);

      holder.kill('SIGCONT');
      holder.stdin.write('write\n');
      const result = await eventually(() => /RESULT=(.*)/.exec(out)?.[1] ?? Promise.reject(new Error(`no result yet: ${out}`)), 20_000);
      expect(result).toMatch(/^rejected StaleLockTokenError: .*fenced off/);
      expect(await exited).toBe(0);

      const truth = await saleTruth(sale.id, sale.sku);
      expect({ stock: truth.stock, sold: truth.sold }).toEqual({ stock: 9, sold: 1 });
      expect(truth.purchases.map((p) => p.user_id)).toEqual([other.id]);
      expect(truth.orderUsers).toEqual([other.id]);
      expect(truth.fence).toBe(afterWin.fence);
      process.stdout.write(
        `[flash-sale fencing] ${strategy}: frozen token ${oldToken}, new holder waited ${waited} ms, fence ${truth.fence}; late write: ${result}\n`,
      );
    } finally {
      holder.kill('SIGCONT');
      holder.kill('SIGKILL');
    }
  }, 90_000);
});
