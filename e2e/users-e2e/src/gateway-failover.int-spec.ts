import { znodePaths } from '@dsp/contracts';
import { connectedZk, eventually, HttpClient, type SpawnedService } from '@dsp/testing';
import type { ZookeeperClient } from '@dsp/zookeeper';
import { setGatewayConfig, startFleet, username, type Fleet } from './fleet';

const PASSWORD = 'correct-horse-battery';
const SESSION_TIMEOUT_MS = 2000;
/** Concurrent client loops on GET /api/users/me through the gateway. */
const LOOPS = Number(process.env['FAILOVER_LOOPS'] ?? 4);

type Sample = { at: number; status: number; instance: string | null };

function instanceId(s: SpawnedService): string {
  return /"instance":"(e2e-us-[^"]+)"/.exec(s.output())?.[1] ?? '';
}

/** Times (ms) at which the gateway tried an instance and failed, from its JSON log. */
function failedAttemptsAt(gateway: SpawnedService, instance: string): number[] {
  return gateway
    .output()
    .split('\n')
    .filter((l) => l.includes('"request to instance failed"') && l.includes(`"subjectInstance":"${instance}"`))
    .map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
}

describe('gateway failover (user-service instances killed and stopped for real)', () => {
  let fleet: Fleet;
  let zk: ZookeeperClient;
  let client: HttpClient;

  beforeAll(async () => {
    await setGatewayConfig({ 'ratelimit.login.ipAttempts': 100_000 });
    fleet = await startFleet(3);
    zk = await connectedZk();
    client = new HttpClient(fleet.gateway.url);
    const name = username('fo');
    expect((await client.post('/api/users', { username: name, password: PASSWORD })).status).toBe(201);
    expect((await client.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200);
    // Every instance is in the gateway's cache before the fault.
    await eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) seen.add((await client.get('/api/users/me')).headers.get('x-upstream-instance') ?? '');
      expect(seen.size).toBe(3);
    }, 20_000);
  });

  afterAll(async () => {
    await zk?.close();
    await fleet?.stop();
  });

  async function loopFor(ms: number, during: () => Promise<void>): Promise<Sample[]> {
    const samples: Sample[] = [];
    const end = Date.now() + ms;
    const loops = Array.from({ length: LOOPS }, async () => {
      while (Date.now() < end) {
        const r = await client.get('/api/users/me');
        samples.push({ at: Date.now(), status: r.status, instance: r.headers.get('x-upstream-instance') });
      }
    });
    await during();
    await Promise.all(loops);
    return samples;
  }

  describe('when an instance is killed (kill -9) under load', () => {
    it('should stop routing to it within sessionTimeout + 2 s, and no client request should fail', async () => {
      const victim = fleet.users[0] as SpawnedService;
      const victimId = instanceId(victim);
      let killedAt = 0;
      const samples = await loopFor(SESSION_TIMEOUT_MS + 6_000, async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        killedAt = Date.now();
        victim.child.kill('SIGKILL');
      });
      const failures = samples.filter((s) => s.status !== 200);
      const afterKill = samples.filter((s) => s.at > killedAt);
      const attempts = failedAttemptsAt(fleet.gateway, victimId);
      const lastAttempt = Math.max(killedAt, ...attempts);
      process.stdout.write(
        `failover: ${samples.length} requests, ${failures.length} failed, ${attempts.length} gateway attempts at the dead instance, last ${lastAttempt - killedAt} ms after the kill\n`,
      );
      expect(failures).toEqual([]);
      expect(afterKill.length).toBeGreaterThan(50);
      expect(afterKill.some((s) => s.instance === victimId && s.at > killedAt + 50)).toBe(false);
      expect(lastAttempt - killedAt).toBeLessThanOrEqual(SESSION_TIMEOUT_MS + 2_000);
      await eventually(async () => expect(await zk.exists(znodePaths.serviceInstance('user-service', victimId))).toBeNull(), 10_000);
    });
  });

  describe('when an instance is stopped cleanly (SIGTERM)', () => {
    it('should leave ZooKeeper in under 1 s, and no client request should fail', async () => {
      const leaving = fleet.users[1] as SpawnedService;
      const id = instanceId(leaving);
      const path = znodePaths.serviceInstance('user-service', id);
      expect(await zk.exists(path)).not.toBeNull();
      let goneAfter = -1;
      const samples = await loopFor(3_000, async () => {
        await new Promise((r) => setTimeout(r, 500));
        const t0 = Date.now();
        leaving.child.kill('SIGTERM');
        while (Date.now() - t0 < 5_000) {
          if ((await zk.exists(path)) === null) {
            goneAfter = Date.now() - t0;
            break;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      });
      process.stdout.write(`graceful stop: registration gone ${goneAfter} ms after SIGTERM\n`);
      expect(goneAfter).toBeGreaterThanOrEqual(0);
      expect(goneAfter).toBeLessThan(1_000);
      expect(samples.filter((s) => s.status !== 200)).toEqual([]);
      expect(await leaving.exited).toBe(0);
    });
  });
});
