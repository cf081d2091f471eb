import { randomBytes } from 'node:crypto';
import { REDIS_IDENTITIES, REDIS_SERVICE_COMMANDS } from '@dsp/contracts';
import {
  eventually,
  HttpClient,
  E2E_PROFILE,
  rawRedisCommand,
  redisAs,
  spawnService,
  startPlatform,
  uniqueUsername,
  type PlatformFleet,
  type SpawnedService,
} from '@dsp/testing';

/**
 * A service's credential changes while requests flow, and none fails
 * (docs/security.md, "Rotating a credential without downtime"): user-service's
 * Redis password is rotated the way the docs say, with Redis' two passwords per
 * user as the overlap. The fleet's user-service runs as a throwaway ACL user
 * with user-service's rights (`REDIS_USER`), so nothing else on the stack is
 * touched. `ROTATION_LOOPS` concurrent clients (default 4) keep calling
 * `GET /api/users/me` through the gateway, which user-service answers from the
 * session in Redis on every call.
 */
const LOOPS = Number(process.env['ROTATION_LOOPS'] ?? 4);
const RIGHTS = REDIS_IDENTITIES['user-service'];
const PASSWORD = 'correct-horse-battery';

type Sample = { status: number; instance: string | null };

/** `AUTH user password` on a fresh connection, as redis-cli would: Redis' answer (`+OK`, or the error). */
const authAs = (user: string, password: string): Promise<string> => rawRedisCommand(['AUTH', user, password]);

describe('credential rotation under load (user-service, Redis)', () => {
  const user = `e2e-rot-${randomBytes(3).toString('hex')}`;
  const oldPassword = randomBytes(24).toString('base64url');
  const newPassword = randomBytes(24).toString('base64url');
  const operator = redisAs('rotation-operator');
  let fleet: PlatformFleet;
  let client: HttpClient;
  const rotated: SpawnedService[] = [];
  const userEnv = (password: string) => ({ REDIS_USER: user, REDIS_PASSWORD: password });

  beforeAll(async () => {
    await operator.start();
    const rules = [...RIGHTS.keys.map((k) => `~${k}`), ...RIGHTS.channels.map((c) => `&${c}`), ...REDIS_SERVICE_COMMANDS.split(' ')];
    await operator.client.call('ACL', 'SETUSER', user, 'reset', 'on', `>${oldPassword}`, ...rules);
    fleet = await startPlatform({ users: 2, userEnv: userEnv(oldPassword) });
    client = new HttpClient(fleet.gateway.url);
    const name = uniqueUsername('rot');
    expect((await client.post('/api/users', { username: name, password: PASSWORD })).status).toBe(201);
    expect((await client.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(rotated.map((s) => s.stop()));
    await fleet?.stop();
    await operator.client.call('ACL', 'DELUSER', user).catch(() => undefined);
    await operator.close();
  });

  it('should move every instance to the new password with 0 failed requests, after which the old one is refused', async () => {
    const samples: Sample[] = [];
    let running = true;
    const loops = Array.from({ length: LOOPS }, async () => {
      while (running) {
        const r = await client.get('/api/users/me');
        samples.push({ status: r.status, instance: r.headers.get('x-upstream-instance') });
      }
    });
    const oldIds = new Set(fleet.users.map((u) => /"instance":"(e2e-us-[^"]+)"/.exec(u.output())?.[1] ?? ''));
    const newIds = new Set<string>();
    let killed = 0;
    try {
      await new Promise((r) => setTimeout(r, 500));
      // 1. The user accepts both passwords.
      expect(await operator.client.call('ACL', 'SETUSER', user, `>${newPassword}`)).toBe('OK');
      // 2. New instances start with the new one and join discovery.
      for (let i = 0; i < 2; i++) {
        const id = `e2e-us-rot-${randomBytes(3).toString('hex')}`;
        newIds.add(id);
        rotated.push(
          await spawnService(
            'user-service',
            { PORT: '0', CONFIG_PROFILE: E2E_PROFILE, ZK_SESSION_TIMEOUT_MS: '2000', INSTANCE_ID: id, ...userEnv(newPassword) },
            60_000,
          ),
        );
      }
      await eventually(async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 12; i++) seen.add((await client.get('/api/users/me')).headers.get('x-upstream-instance') ?? '');
        expect([...newIds].every((id) => seen.has(id))).toBe(true);
      }, 20_000);
      // 3. The old instances leave (SIGTERM: out of discovery, drain, exit).
      expect(await Promise.all(fleet.users.map((u) => u.stop()))).toEqual(fleet.users.map(() => 0));
      // 4. The old password is removed, and every connection of the user must authenticate again
      //    (Redis never re-checks a live connection): only the new password can serve from here on.
      expect(await operator.client.call('ACL', 'SETUSER', user, `<${oldPassword}`)).toBe('OK');
      killed = Number(await operator.client.call('CLIENT', 'KILL', 'USER', user));
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      running = false;
      await Promise.all(loops);
    }
    const failures = samples.filter((s) => s.status !== 200);
    const byOld = samples.filter((s) => s.instance !== null && oldIds.has(s.instance)).length;
    const byNew = samples.filter((s) => s.instance !== null && newIds.has(s.instance)).length;
    process.stdout.write(
      `rotation: ${samples.length} requests, ${failures.length} failed; ${byOld} served with the old password, ${byNew} with the new; ${killed} connections made to re-authenticate\n`,
    );
    expect(failures).toEqual([]);
    expect(byOld).toBeGreaterThan(20);
    expect(byNew).toBeGreaterThan(20);
    expect(killed).toBeGreaterThan(0);
    expect(await authAs(user, oldPassword)).toMatch(/WRONGPASS/);
    expect(await authAs(user, newPassword)).toBe('+OK');
    // The rotated instances reconnected with the new password: their clients are this user again.
    const list = String(await operator.client.call('CLIENT', 'LIST'));
    expect(list.split('\n').filter((l) => l.includes(` user=${user} `)).length).toBeGreaterThan(0);
  }, 120_000);
});
