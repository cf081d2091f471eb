import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { REDIS_IDENTITIES, REDIS_PORT } from '@dsp/contracts';
import {
  eventually,
  HttpClient,
  redisAs,
  spawnService,
  startPlatform,
  uniqueUsername,
  type PlatformFleet,
  type SpawnedService,
} from '@dsp/testing';

/**
 * A service's credential changes while requests flow, and none fails
 * (docs/security.md, "Rotating a credential"): user-service's Redis password
 * is rotated the way the docs say, with Redis' two passwords per user as the
 * overlap. `ROTATION_LOOPS` concurrent clients (default 4) keep calling
 * `GET /api/users/me` through the gateway, which reads the session in Redis as
 * user-service on every call.
 */
const LOOPS = Number(process.env['ROTATION_LOOPS'] ?? 4);
const USER = REDIS_IDENTITIES['user-service'].user;
const PASSWORD = 'correct-horse-battery';

type Sample = { status: number; instance: string | null };

/** `AUTH user password` on a fresh connection, as redis-cli would: Redis' answer (`+OK`, or the error). */
function authAs(user: string, password: string): Promise<string> {
  const cmd = ['AUTH', user, password];
  const payload = `*${cmd.length}\r\n${cmd.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: REDIS_PORT });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('Redis did not answer AUTH within 2 s'));
    }, 2000);
    socket.on('connect', () => socket.write(payload));
    socket.once('data', (d) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(d.toString().trim());
    });
    socket.on('error', reject);
  });
}

describe('credential rotation under load (user-service, Redis)', () => {
  const oldPassword = REDIS_IDENTITIES['user-service'].password;
  const newPassword = randomBytes(24).toString('base64url');
  const operator = redisAs('rotation-operator');
  let fleet: PlatformFleet;
  let client: HttpClient;
  const rotated: SpawnedService[] = [];

  beforeAll(async () => {
    await operator.start();
    fleet = await startPlatform({ users: 2 });
    client = new HttpClient(fleet.gateway.url);
    const name = uniqueUsername('rot');
    expect((await client.post('/api/users', { username: name, password: PASSWORD })).status).toBe(201);
    expect((await client.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    // Leave the stack's user as `stack up` made it: the stack's password only.
    await operator.client.call('ACL', 'SETUSER', USER, `>${oldPassword}`, `<${newPassword}`).catch(() => undefined);
    await Promise.all(rotated.map((s) => s.stop()));
    await fleet?.stop();
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
    const newIds = new Set<string>();
    try {
      // 1. The user accepts both passwords.
      expect(await operator.client.call('ACL', 'SETUSER', USER, `>${newPassword}`)).toBe('OK');
      // 2. New instances start with the new one and join discovery.
      for (let i = 0; i < 2; i++) {
        const id = `e2e-us-rot-${randomBytes(3).toString('hex')}`;
        newIds.add(id);
        rotated.push(
          await spawnService(
            'user-service',
            { PORT: '0', CONFIG_PROFILE: 'e2e', ZK_SESSION_TIMEOUT_MS: '2000', INSTANCE_ID: id, REDIS_PASSWORD: newPassword },
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
      // 4. The old password is removed.
      expect(await operator.client.call('ACL', 'SETUSER', USER, `<${oldPassword}`)).toBe('OK');
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      running = false;
      await Promise.all(loops);
    }
    const failures = samples.filter((s) => s.status !== 200);
    const servedByNew = samples.filter((s) => s.instance !== null && newIds.has(s.instance)).length;
    process.stdout.write(`rotation: ${samples.length} requests, ${failures.length} failed, ${servedByNew} served by rotated instances\n`);
    expect(failures).toEqual([]);
    expect(servedByNew).toBeGreaterThan(20);

    expect(await authAs(USER, oldPassword)).toMatch(/WRONGPASS/);
    expect(await authAs(USER, newPassword)).toBe('+OK');
    // The rotated instances' connections re-authenticate with the new password when they reconnect.
    expect(Number(await operator.client.call('CLIENT', 'KILL', 'USER', USER))).toBeGreaterThan(0);
    await eventually(async () => expect((await client.get('/api/users/me')).status).toBe(200), 10_000);
    for (let i = 0; i < 10; i++) expect((await client.get('/api/users/me')).status).toBe(200);
  }, 120_000);
});
