import { randomUUID } from 'node:crypto';
import { eventually, HttpClient, mysqlAdmin } from '@dsp/testing';
import { setGatewayConfig, startFleet, username, type Fleet } from './fleet';

const PASSWORD = 'correct-horse-battery';

async function userCount(): Promise<number> {
  const rows = await mysqlAdmin.query('mysql-c0-primary', 'SELECT COUNT(*) AS n FROM user_db.users');
  return Number(rows[0]?.['n']);
}

describe('gateway edge (real ZooKeeper discovery, Redis limiter)', () => {
  let fleet: Fleet;
  let gw: HttpClient;

  beforeAll(async () => {
    await setGatewayConfig({
      'ratelimit.login.ipAttempts': 100_000,
      'ratelimit.login.windowSeconds': 300,
    });
    fleet = await startFleet(1, { LOG_LEVEL: 'debug' });
    gw = new HttpClient(fleet.gateway.url);
    await eventually(async () => expect((await gw.get('/api/users/me')).status).toBe(401), 20_000);
  });

  afterAll(async () => {
    await setGatewayConfig({ 'ratelimit.login.ipAttempts': 100_000 }).catch(() => undefined);
    await fleet?.stop();
  });

  describe('when the input is bad', () => {
    const big = JSON.stringify({ username: 'x'.repeat(2_000_000), password: PASSWORD });
    const cases: [string, () => Promise<{ status: number; headers: Headers; body: unknown }>, number, RegExp][] = [
      ['a body over the limit', () => gw.call('POST', '/api/users', { rawBody: big }), 413, /too large/],
      [
        'a text/plain body',
        () => gw.call('POST', '/api/users', { rawBody: 'hello', contentType: 'text/plain' }),
        415,
        /text\/plain is not supported/,
      ],
      [
        'a form body',
        () => gw.call('POST', '/api/users', { rawBody: 'a=1', contentType: 'application/x-www-form-urlencoded' }),
        415,
        /not supported/,
      ],
      ['invalid JSON', () => gw.call('POST', '/api/users', { rawBody: '{"username": "a' }), 400, /not valid JSON/],
      ['a missing field', () => gw.post('/api/users', { username: username() }), 400, /required property 'password'/],
      [
        'a short password',
        () => gw.post('/api/users', { username: username(), password: 'short' }),
        400,
        /body\/password must NOT have fewer than 8 characters/,
      ],
      [
        'a bad username',
        () => gw.post('/api/users', { username: 'no spaces allowed', password: PASSWORD }),
        400,
        /body\/username must match pattern/,
      ],
      ['a wrong type', () => gw.post('/api/users', { username: username(), password: 12345678 }), 400, /body\/password must be string/],
      [
        'an unknown field',
        () => gw.post('/api/users', { username: username(), password: PASSWORD, admin: true }),
        400,
        /additional property "admin"/,
      ],
      ['an unknown method', () => gw.call('PATCH', '/api/users', { body: {} }), 405, /PATCH is not allowed on \/api\/users; allowed: POST/],
    ];

    it.each(cases)('should answer %s with a clear error before any service or database sees it', async (_name, send, status, message) => {
      const before = await userCount();
      const r = await send();
      expect(r.status).toBe(status);
      expect(r.body).toEqual({ statusCode: status, error: expect.any(String), message: expect.stringMatching(message) });
      expect(r.headers.get('x-upstream-instance')).toBeNull();
      expect(await userCount()).toBe(before);
    });

    it('should name the allowed methods in Allow on a 405', async () => {
      const r = await gw.call('PUT', '/api/users/me/sessions');
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, DELETE');
    });
  });

  describe('when a request carries x-request-id', () => {
    it('should keep the id end to end: in the response and in the service log', async () => {
      const id = `e2e-${randomUUID()}`;
      const r = await gw.get('/api/users/me', { headers: { 'x-request-id': id } });
      expect(r.status).toBe(401);
      expect(r.headers.get('x-request-id')).toBe(id);
      expect(r.headers.get('x-upstream-instance')).toBe(fleet.users[0]?.output().match(/"instance":"(e2e-us-[^"]+)"/)?.[1]);
      await eventually(() => expect(fleet.users[0]?.output()).toContain(id), 5_000);
    });
  });

  describe('when no instance of a service is registered', () => {
    it('should answer 503 with a clear body', async () => {
      const r = await gw.get('/api/orders/1');
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'no instance of order-service is available' });
    });
  });

  describe('when logins fail repeatedly', () => {
    it('should answer 429 with Retry-After after 5 failures for an account (user-service limit), even for the right password', async () => {
      const name = username('rl');
      expect((await gw.post('/api/users', { username: name, password: PASSWORD })).status).toBe(201);
      for (let i = 0; i < 5; i++) expect((await gw.post('/api/sessions', { username: name, password: 'wrong-password' })).status).toBe(401);
      const limited = await gw.post('/api/sessions', { username: name, password: PASSWORD });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', message: `too many failed logins for "${name}"` });
      // Another user from the same IP is not affected.
      const other = username('rl');
      expect((await gw.post('/api/users', { username: other, password: PASSWORD })).status).toBe(201);
      expect((await gw.post('/api/sessions', { username: other, password: PASSWORD })).status).toBe(200);
    });

    it('should answer 429 once an IP exceeds its attempts, with the limit changed live in ZooKeeper', async () => {
      const name = username('ip');
      expect((await gw.post('/api/users', { username: name, password: PASSWORD })).status).toBe(201);
      await setGatewayConfig({ 'ratelimit.login.ipAttempts': 3, 'ratelimit.login.windowSeconds': 5 });
      try {
        await eventually(async () => {
          const r = await gw.post('/api/sessions', { username: name, password: PASSWORD });
          expect(r.status).toBe(429);
          expect(r.body).toMatchObject({ message: expect.stringMatching(/too many login attempts from/) });
        }, 10_000);
      } finally {
        await setGatewayConfig({ 'ratelimit.login.ipAttempts': 100_000, 'ratelimit.login.windowSeconds': 300 });
      }
      await eventually(
        async () => expect((await gw.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200),
        15_000,
      );
    });
  });
});
