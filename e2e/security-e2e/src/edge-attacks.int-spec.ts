import { localAdminToken } from '@dsp/contracts';
import { request } from 'node:http';
import { z } from 'zod';
import {
  eventually,
  HttpClient,
  mysqlAdmin,
  PASSWORD,
  setLiveConfig,
  shopper,
  startPlatform,
  uniqueUsername,
  type PlatformFleet,
} from '@dsp/testing';

/**
 * The edge attacks, each run ATTACK_REPEATS times against a real fleet: 0 may
 * succeed, each gets its specific refusal, nothing is written, and beside each
 * a control (the rightful request) succeeds, so no row passes because the
 * client merely failed to connect.
 */
const N = Number(process.env['ATTACK_REPEATS'] ?? 3);
const ADMIN = process.env['ADMIN_TOKEN'] ?? localAdminToken();
const USER_LIMITS = z.object({
  'ratelimit.register.ipAttempts': z.number().int().min(1).default(20),
  'ratelimit.register.windowSeconds': z.number().int().min(1).default(60),
});

async function userRows(username: string): Promise<number> {
  const rows = await mysqlAdmin.query('mysql-c0-primary', 'SELECT COUNT(*) AS n FROM user_db.users WHERE username = ?', [username]);
  return Number(rows[0]?.['n']);
}

/** A raw request with `count` extra headers, answered by Node's parser (not by any route). */
function manyHeaders(url: string, count: number): Promise<{ status: number; type: string; body: string }> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  for (let i = 0; i < count; i++) headers[`x-filler-${i}`] = 'y'.repeat(20);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: '/api/users/me', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('attacks on the edge are refused (security slice 1)', () => {
  let fleet: PlatformFleet;
  let gw: HttpClient;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1 });
    gw = new HttpClient(fleet.gateway.url);
    await eventually(async () => expect((await gw.get('/api/users/me')).status).toBe(401), 20_000);
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  describe('when a username is retyped with invisible, control or bidi characters after its lockout', () => {
    it(`should refuse ${N}x each variant with 400 before any lookup, and lock every spelling the collation folds together`, async () => {
      const name = uniqueUsername('enum');
      expect((await gw.post('/api/users', { username: name, password: PASSWORD })).status).toBe(201);
      for (let i = 0; i < 5; i++) expect((await gw.post('/api/sessions', { username: name, password: 'wrong-password' })).status).toBe(401);
      for (let i = 0; i < N; i++) {
        for (const ch of ['\u200b', '\u0000', '\u202e', '\u00ad', '\u2060', '\ufeff', '\u0001', '\u001f']) {
          const r = await gw.post('/api/sessions', { username: `${name}${ch}`, password: PASSWORD });
          expect(r.status).toBe(400);
          expect(r.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/must not contain U\+/) });
          expect(r.setCookies).toEqual([]);
        }
        // Spellings the database collation folds to the same account share its lock, through the gateway or not.
        for (const variant of [
          name.toUpperCase(),
          `é${name.slice(1)}`,
          name.replace(/^./, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
        ]) {
          for (const client of [gw, new HttpClient((fleet.users[0] as { url: string }).url).as('gateway', 'user-service')]) {
            const r = await client.post('/api/sessions', { username: variant, password: PASSWORD });
            expect(r.status).toBe(429);
            expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
            expect(r.setCookies).toEqual([]);
          }
        }
      }
      // Control: another account logs in with its password at once (its own client: gw stays anonymous).
      const other = uniqueUsername('enum');
      expect((await gw.post('/api/users', { username: other, password: PASSWORD })).status).toBe(201);
      expect((await new HttpClient(fleet.gateway.url).post('/api/sessions', { username: other, password: PASSWORD })).status).toBe(200);
    });
  });

  describe('when a body nests 10,000 levels deep', () => {
    it(`should answer 400 ${N}x on routes with and without a body schema, at the gateway and at each service, and keep serving`, async () => {
      const deep = '['.repeat(10_000) + ']'.repeat(10_000);
      // Each service is called as the gateway calls it (with its service token).
      const targets: [HttpClient, string][] = [
        [new HttpClient(fleet.gateway.url), '/api/orders/1/pay'],
        [new HttpClient(fleet.gateway.url), '/api/users'],
        [new HttpClient(fleet.gateway.url), '/api/sessions'],
        [new HttpClient((fleet.users[0] as { url: string }).url).as('gateway', 'user-service'), '/api/users'],
        [new HttpClient((fleet.orders[0] as { url: string }).url).as('gateway', 'order-service'), '/api/orders/1/pay'],
      ];
      for (let i = 0; i < N; i++) {
        for (const [client, path] of targets) {
          const r = await client.call('POST', path, { rawBody: deep, contentType: 'application/json' });
          expect({ path, status: r.status, body: r.body }).toMatchObject({
            path,
            status: 400,
            body: { statusCode: 400, error: 'Bad Request', message: 'body nests arrays or objects deeper than 32 levels' },
          });
        }
      }
      // Control: the same route with an ordinary body gets its ordinary answer (no session: 401).
      const control = await new HttpClient(fleet.gateway.url).post('/api/orders/1/pay', {});
      expect({ status: control.status, body: control.body }).toMatchObject({ status: 401 });
      expect((await gw.get('/health/ready')).status).toBe(200);
    });
  });

  describe('when two idempotency keys differ only in case', () => {
    it('should place two orders (keys compare exactly), and replay only the identical key', async () => {
      const s = await shopper(fleet.gateway.url);
      const base = `CaseKey-${Date.now()}`;
      const a = await s.client.post<{ id: string }>(
        '/api/orders',
        { items: [{ sku: 'SKU-MUG', quantity: 1 }] },
        { headers: { 'idempotency-key': base } },
      );
      const b = await s.client.post<{ id: string }>(
        '/api/orders',
        { items: [{ sku: 'SKU-MUG', quantity: 1 }] },
        { headers: { 'idempotency-key': base.toLowerCase() } },
      );
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
      expect(b.headers.get('idempotent-replayed')).not.toBe('true');
      // Control: the identical key replays the first order.
      const again = await s.client.post<{ id: string }>(
        '/api/orders',
        { items: [{ sku: 'SKU-MUG', quantity: 1 }] },
        { headers: { 'idempotency-key': base } },
      );
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(a.body.id);
    });
  });

  describe('when the admin token comes without the Bearer scheme', () => {
    it(`should refuse ${N}x with 401 at the gateway's config admin and at order-service's admin routes; with the scheme it passes`, async () => {
      for (let i = 0; i < N; i++) {
        for (const auth of [ADMIN, `Basic ${ADMIN}`, `Bearer ${ADMIN}x`, `Bearer  ${ADMIN}`]) {
          const cfg = await gw.get('/api/admin/config/gateway', { headers: { authorization: auth } });
          expect(cfg.status).toBe(401);
          const orders = await gw.get('/api/admin/orders', { headers: { authorization: auth } });
          expect(orders.status).toBe(401);
        }
      }
      expect((await gw.get('/api/admin/config/gateway', { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
      expect((await gw.get('/api/admin/orders', { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    });
  });

  describe('when a request carries about 1,000 headers', () => {
    it(`should answer 431 ${N}x with the documented error JSON, and a normal request still gets its answer`, async () => {
      for (let i = 0; i < N; i++) {
        for (const url of [fleet.gateway.url, (fleet.users[0] as { url: string }).url]) {
          const r = await manyHeaders(url, 1000);
          expect(r.status).toBe(431);
          expect(r.type).toMatch(/^application\/json/);
          expect(JSON.parse(r.body)).toEqual({
            statusCode: 431,
            error: 'Request Header Fields Too Large',
            message: expect.stringMatching(/headers are too large/),
          });
        }
      }
      expect((await manyHeaders(fleet.gateway.url, 5)).status).toBe(401);
    });
  });

  describe('when one address registers past its limit', () => {
    it('should answer 429 with Retry-After and write no user; before the limit, registrations succeed', async () => {
      await setLiveConfig('user-service', USER_LIMITS, { 'ratelimit.register.ipAttempts': 3, 'ratelimit.register.windowSeconds': 60 });
      try {
        const names = Array.from({ length: 3 + N }, () => uniqueUsername('reg'));
        const statuses: number[] = [];
        await eventually(async () => {
          // The limit reaches the service through a watch: wait until a fresh address-window is refused.
          const probe = await gw.post('/api/users', { username: uniqueUsername('probe'), password: PASSWORD });
          expect(probe.status).toBe(429);
        }, 10_000);
        await new Promise((r) => setTimeout(r, 0));
        for (const n of names) statuses.push((await gw.post('/api/users', { username: n, password: PASSWORD })).status);
        expect(statuses.every((s) => s === 429)).toBe(true);
        for (const n of names) expect(await userRows(n)).toBe(0);
      } finally {
        await setLiveConfig('user-service', USER_LIMITS, { 'ratelimit.register.ipAttempts': 1_000_000 });
      }
      // Control: with the limit lifted, the same request registers.
      await eventually(
        async () => expect((await gw.post('/api/users', { username: uniqueUsername('reg'), password: PASSWORD })).status).toBe(201),
        10_000,
      );
    });
  });

  describe('when a session guesses the current password to change it', () => {
    it('should answer 429 after 5 wrong guesses, even for the right password, and leave the hash unchanged', async () => {
      const s = await shopper(fleet.gateway.url);
      const before = await mysqlAdmin.query('mysql-c0-primary', 'SELECT password_hash AS h FROM user_db.users WHERE id = ?', [s.id]);
      for (let i = 0; i < 5; i++)
        expect(
          (
            await s.client.call('PUT', '/api/users/me/password', {
              body: { currentPassword: `guess-${i}-xxxx`, newPassword: 'a-new-password-1' },
            })
          ).status,
        ).toBe(401);
      for (let i = 0; i < N; i++) {
        const r = await s.client.call('PUT', '/api/users/me/password', {
          body: { currentPassword: PASSWORD, newPassword: 'a-new-password-1' },
        });
        expect(r.status).toBe(429);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const after = await mysqlAdmin.query('mysql-c0-primary', 'SELECT password_hash AS h FROM user_db.users WHERE id = ?', [s.id]);
      expect(after[0]?.['h']).toBe(before[0]?.['h']);
      // Control: another account changes its password with the right current one.
      const other = await shopper(fleet.gateway.url);
      const ok = await other.client.call('PUT', '/api/users/me/password', {
        body: { currentPassword: PASSWORD, newPassword: 'a-new-password-1' },
      });
      expect(ok.status).toBeLessThan(300);
    });
  });
});
