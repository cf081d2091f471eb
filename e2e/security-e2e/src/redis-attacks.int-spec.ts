import { createHash, randomBytes } from 'node:crypto';
import { REDIS_IDENTITIES, REDIS_PORT, SERVICE_NAMES, type ServiceName } from '@dsp/contracts';
import { RedisConnection } from '@dsp/redis';
import { rawRedisCommand, startPlatform, testLogger, type PlatformFleet } from '@dsp/testing';

type Redis = RedisConnection['client'];

/**
 * Redis attacks (issue 14's row 5 and its neighbours), each ATTACK_REPEATS
 * times: an unauthenticated connection runs nothing, a wrong password is
 * refused, each service identity is refused outside its own key spaces,
 * channels and commands, and beside each refusal the rightful identity
 * succeeds. The fleet's own connections are checked to run as their service's
 * user (docs/adr/0010).
 */
const N = Number(process.env['ATTACK_REPEATS'] ?? 3);

/** One raw command without any AUTH: what redis-cli with no password does. */
const anonymous = (command: string[]): Promise<string> => rawRedisCommand(command);

const opened: RedisConnection[] = [];

/** A started connection as one identity (closed after the suite). */
async function as(who: ServiceName | 'operator'): Promise<Redis> {
  const id = REDIS_IDENTITIES[who];
  const c = new RedisConnection(
    {
      url: `redis://127.0.0.1:${REDIS_PORT}`,
      username: id.user,
      password: id.password,
      connectionName: `attack-${who}`,
      maxRetriesPerRequest: 0,
    },
    testLogger(),
  );
  opened.push(c);
  await c.start();
  return c.client;
}

/** 'ALLOWED', or the first word of Redis' error (NOPERM, NOAUTH, WRONGPASS). */
async function refusal(op: Promise<unknown>): Promise<string> {
  return op.then(
    () => 'ALLOWED',
    (e: unknown) => String((e as Error).message).split(' ')[0] as string,
  );
}

describe('attacks on Redis are refused (security slice 3)', () => {
  let fleet: PlatformFleet;
  const clients = {} as Record<ServiceName | 'operator', Redis>;
  const scratch = `attack-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1 });
    for (const who of [...Object.values(SERVICE_NAMES), 'operator'] as const) {
      clients[who] = await as(who);
    }
  });

  afterAll(async () => {
    const op = clients.operator;
    if (op) {
      const keys = await op.keys(`*${scratch}*`);
      if (keys.length > 0) await op.del(...keys);
    }
    for (const c of opened) await c.close();
    await fleet?.stop();
  });

  describe('when an unauthenticated client forges a session (issue 14, row 5)', () => {
    it(`should refuse ${N}x with NOAUTH, so the forged cookie gets a 401; user-service may write the key`, async () => {
      for (let i = 0; i < N; i++) {
        const sid = randomBytes(32).toString('base64url');
        const key = `dsp:sess:${createHash('sha256').update(sid).digest('hex')}`;
        const answer = await anonymous(['HSET', key, 'uid', '615', 'un', 'victim', 'ae', String(Date.now() + 3_600_000)]);
        expect(answer).toMatch(/^-NOAUTH/);
        expect(await clients.operator.exists(key)).toBe(0);
        const r = await fetch(`${fleet.gateway.url}/api/users/me`, { headers: { cookie: `dsp.sid=${sid}` } });
        expect(r.status).toBe(401);
      }
      expect(await anonymous(['PING'])).toMatch(/^-NOAUTH/);
      // Control: the identity that owns sessions may write one.
      const own = `dsp:sess:${scratch}`;
      await clients['user-service'].hset(own, 'uid', '1');
      expect(await clients.operator.hget(own, 'uid')).toBe('1');
    });
  });

  describe('when a client has a user name but the wrong password', () => {
    it(`should refuse ${N}x with WRONGPASS`, async () => {
      for (let i = 0; i < N; i++) {
        expect(await anonymous(['AUTH', REDIS_IDENTITIES.gateway.user, `wrong-${i}`])).toMatch(/^-WRONGPASS/);
        expect(await anonymous(['AUTH', 'default', ''])).toMatch(/^-WRONGPASS/); // the default user is off
      }
      // Control: the right password is accepted.
      expect(await anonymous(['AUTH', REDIS_IDENTITIES.gateway.user, REDIS_IDENTITIES.gateway.password])).toBe('+OK');
    });
  });

  describe("when a service touches another service's key space", () => {
    it(`should refuse ${N}x with NOPERM and leave the key as it was; the owner may`, async () => {
      const stock = `dsp:fs:{${scratch}}:stock`;
      const index = `dsp:user-sess:${scratch}`;
      const limit = `dsp:rl:login:account:${scratch}`;
      const lock = `dsp:lock:${scratch}`;
      await clients.operator.set(stock, '10');
      await clients.operator.set(limit, '5');
      for (let i = 0; i < N; i++) {
        // The gateway cannot refill a flash sale's stock or steal a lock...
        expect(await refusal(clients.gateway.set(stock, '1000000'))).toBe('NOPERM');
        expect(await refusal(clients.gateway.set(lock, 'stolen'))).toBe('NOPERM');
        // ...order-service cannot reset someone's login limit or read a user's session index...
        expect(await refusal(clients['order-service'].del(limit))).toBe('NOPERM');
        expect(await refusal(clients['order-service'].zrange(index, 0, -1))).toBe('NOPERM');
        // ...user-service cannot touch flash-sale stock, and nobody gets a key through a script.
        expect(await refusal(clients['user-service'].decr(stock))).toBe('NOPERM');
        expect(await refusal(clients['user-service'].eval("return redis.call('SET', KEYS[1], '0')", 1, stock))).toBe('NOPERM');
      }
      expect(await clients.operator.mget(stock, limit, lock)).toEqual(['10', '5', null]);
      // Controls: each key's owner may.
      expect(await clients['order-service'].decr(stock)).toBe(9);
      expect(await clients['user-service'].del(limit)).toBe(1);
      expect(await clients.gateway.incr(`dsp:rl:login:ip:${scratch}`)).toBe(1);
    });
  });

  describe('when a service runs server-wide or dangerous commands', () => {
    it(`should refuse ${N}x FLUSHALL, CONFIG, KEYS, SCAN, ACL, CLIENT LIST and SAVE; the operator may read the config`, async () => {
      for (let i = 0; i < N; i++) {
        for (const who of Object.values(SERVICE_NAMES)) {
          const c = clients[who];
          expect(await refusal(c.flushall())).toBe('NOPERM');
          expect(await refusal(c.config('SET', 'appendonly', 'no'))).toBe('NOPERM');
          expect(await refusal(c.keys('*'))).toBe('NOPERM');
          expect(await refusal(c.scan(0))).toBe('NOPERM');
          expect(await refusal(c.call('ACL', 'SETUSER', who, '+@all', '~*'))).toBe('NOPERM');
          expect(await refusal(c.call('CLIENT', 'LIST'))).toBe('NOPERM'); // would show every connection
          expect(await refusal(c.call('SAVE'))).toBe('NOPERM');
        }
      }
      expect(await clients.operator.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    });
  });

  describe('when a service publishes or subscribes outside its channels', () => {
    it(`should refuse ${N}x a fake lock release and a wildcard subscription; order-service may`, async () => {
      const channel = `dsp:lock:${scratch}:released`;
      for (let i = 0; i < N; i++) {
        expect(await refusal(clients.gateway.publish(channel, '1'))).toBe('NOPERM');
        expect(await refusal(clients['user-service'].publish(channel, '1'))).toBe('NOPERM');
        const sub = await as('user-service');
        expect(await refusal(sub.psubscribe('*'))).toBe('NOPERM');
      }
      // Control: order-service subscribes to release channels and publishes to them.
      const sub = await as('order-service');
      const got = new Promise<string>((resolve) => sub.on('pmessage', (_p: string, ch: string) => resolve(ch)));
      await sub.psubscribe('dsp:lock:*:released');
      expect(await clients['order-service'].publish(channel, '1')).toBe(1);
      expect(await got).toBe(channel);
    });
  });

  describe("when the fleet's services talk to Redis", () => {
    it('should see every instance connected as its own service user, never as default or the operator', async () => {
      const list = String(await clients.operator.call('CLIENT', 'LIST'));
      const byName = new Map<string, string>();
      for (const line of list.split('\n')) {
        const name = /\bname=(\S*)/.exec(line)?.[1];
        const user = /\buser=(\S*)/.exec(line)?.[1];
        if (name && user) byName.set(name, user);
      }
      // startPlatform names instances e2e-gw-*, e2e-us-*, e2e-os-* (lock wake-ups add ":lock-wakeups").
      const serviceOf: Record<string, ServiceName> = { gw: 'gateway', us: 'user-service', os: 'order-service' };
      const seen = [...byName].flatMap(([name, user]) => {
        const kind = /^e2e-(gw|us|os)-/.exec(name)?.[1];
        return kind ? [{ connection: name, service: serviceOf[kind] as ServiceName, user }] : [];
      });
      expect(new Set(seen.map((s) => s.service))).toEqual(new Set(Object.values(SERVICE_NAMES)));
      for (const s of seen) expect(s).toEqual({ ...s, user: REDIS_IDENTITIES[s.service].user });
    });
  });
});
