import { request } from 'node:http';
import { localAdminToken, SERVICE_TOKEN_HEADER } from '@dsp/contracts';
import { ServiceTokenSigner } from '@dsp/service-defaults';
import { eventually, HttpClient, PASSWORD, serviceHeaders, shopper, startPlatform, type PlatformFleet } from '@dsp/testing';

/**
 * Service-to-service HTTP attacks (issue 14's rows 4 and 7 and their
 * neighbours), each ATTACK_REPEATS times against a real fleet: the gateway's
 * `/internal/*` does not exist for anyone but its own instances; a service
 * port answers 401 to a caller without a valid service token and 403 to a
 * service without the right to the route; nothing is written. Beside each
 * refusal the rightful caller succeeds (docs/adr/0012).
 */
const N = Number(process.env['ATTACK_REPEATS'] ?? 3);
const ADMIN = process.env['ADMIN_TOKEN'] ?? localAdminToken();
const KEY = 'ratelimit.login.ipAttempts';

/** A throwaway Ed25519 key nobody trusts. */
const ROGUE_KEY = 'MC4CAQAwBQYDK2VwBCIEIIqp1CpAaybwzkvEQ6/WQ4OGnfk7GAT5ZpIJoT+eyB+6';

/** A request whose target is an absolute URL (`GET http://host/path HTTP/1.1`), which fetch never sends. */
function absoluteForm(base: string, path: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: `http://${u.host}${path}` }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('attacks on service-to-service HTTP are refused (security slice 4)', () => {
  let fleet: PlatformFleet;
  let gw: HttpClient;
  let users: string;
  let orders: string;
  const admin = { authorization: `Bearer ${ADMIN}` };

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1 });
    users = (fleet.users[0] as { url: string }).url;
    orders = (fleet.orders[0] as { url: string }).url;
    gw = new HttpClient(fleet.gateway.url);
    await eventually(async () => expect((await gw.get('/api/admin/config/gateway', { headers: admin })).status).toBe(200), 20_000);
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  async function gatewayValue(): Promise<unknown> {
    const r = await gw.get<{ values: Record<string, unknown> }>('/api/admin/config/gateway', { headers: admin });
    return r.body.values?.[KEY];
  }

  describe("when anyone calls the gateway's /internal/config on its public port (issue 14, row 4)", () => {
    it(`should answer 404 ${N}x to reads and writes, change nothing; the token-checked admin API still works`, async () => {
      const before = await gatewayValue();
      for (let i = 0; i < N; i++) {
        const anonymous = [
          await gw.get('/internal/config'),
          await gw.put(`/internal/config/${KEY}`, { value: 100_000 }),
          await gw.put(`/internal/config/${KEY}/gray`, { value: 100_000, tags: ['x'] }),
          await gw.call('DELETE', `/internal/config/${KEY}/gray`),
          // Another service's token is not the gateway's own.
          await gw.get('/internal/config', { headers: serviceHeaders('order-service', 'gateway') }),
          // Spellings the router decodes to the same route.
          await gw.put(`/%69nternal/config/${KEY}`, { value: 100_000 }),
          await gw.get('/%69nternal/config'),
        ];
        expect(anonymous.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
        expect(await absoluteForm(fleet.gateway.url, '/internal/config')).toBe(404);
        expect(anonymous[0]?.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }
      expect(await gatewayValue()).toEqual(before);
      // Control: the admin API (which reaches /internal/config with the gateway's own token).
      const r = await gw.get<{ values: Record<string, unknown> }>('/api/admin/config/gateway', { headers: admin });
      expect(r.status).toBe(200);
      expect(r.body.values).toHaveProperty([KEY]);
    });
  });

  describe('when a client calls a service port directly, without a service token (issue 14, row 7)', () => {
    it(`should answer 401 ${N}x on internal and public routes, create no session; order-service's token reads the user`, async () => {
      const s = await shopper(fleet.gateway.url);
      const sessionsBefore = (await s.client.get<{ sessions: unknown[] }>('/api/users/me/sessions')).body.sessions.length;
      for (let i = 0; i < N; i++) {
        const direct = new HttpClient(users);
        const answers = [
          await direct.get(`/internal/users/${s.id}`),
          await direct.get('/internal/config'),
          // The login limiter lives behind the gateway's token too: a direct login is no way around it.
          await direct.post('/api/sessions', { username: s.name, password: PASSWORD }, { headers: { 'x-forwarded-for': '203.0.113.9' } }),
          await new HttpClient(orders).get('/api/orders'),
        ];
        expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401]);
        expect(answers[0]?.body).toMatchObject({ statusCode: 401, message: expect.stringContaining('a service token is required') });
        expect(answers[2]?.setCookies).toEqual([]);
      }
      expect((await s.client.get<{ sessions: unknown[] }>('/api/users/me/sessions')).body.sessions.length).toBe(sessionsBefore);
      // Control: the one service allowed to look users up does.
      const lookup = await new HttpClient(users).as('order-service', 'user-service').get<{ id: string }>(`/internal/users/${s.id}`);
      expect(lookup.status).toBe(200);
      expect(String(lookup.body.id)).toBe(String(s.id));
      // Health and metrics stay open (docs/security.md says what they expose).
      expect((await new HttpClient(users).get('/health/live')).status).toBe(200);
    });
  });

  describe('when a service calls a route it has no right to', () => {
    it(`should answer 403 ${N}x naming the caller and the route`, async () => {
      const s = await shopper(fleet.gateway.url);
      for (let i = 0; i < N; i++) {
        const asOrders = new HttpClient(users).as('order-service', 'user-service');
        const asGateway = new HttpClient(users).as('gateway', 'user-service');
        const answers = [
          // order-service logging a user in (and so past the gateway's per-IP limit, with an IP of its choosing).
          await asOrders.post('/api/sessions', { username: s.name, password: PASSWORD }, { headers: { 'x-forwarded-for': '203.0.113.9' } }),
          await asOrders.put('/internal/config/ratelimit.login.accountFailures', { value: 100_000 }),
          // The gateway has no business reading users by id.
          await asGateway.get(`/internal/users/${s.id}`),
        ];
        expect(answers.map((r) => r.status)).toEqual([403, 403, 403]);
        expect(answers[0]?.body).toMatchObject({
          statusCode: 403,
          message: 'order-service may not call POST /api/sessions on user-service',
        });
      }
      // Control: the gateway's token logs in.
      expect(
        (await new HttpClient(users).as('gateway', 'user-service').post('/api/sessions', { username: s.name, password: PASSWORD })).status,
      ).toBe(200);
    });
  });

  describe('when a token is forged, replayed to another service, or garbage', () => {
    it(`should answer 401 ${N}x with the reason`, async () => {
      const s = await shopper(fleet.gateway.url);
      const call = (token: string) => new HttpClient(users).get(`/internal/users/${s.id}`, { headers: { [SERVICE_TOKEN_HEADER]: token } });
      for (let i = 0; i < N; i++) {
        const rogue = new ServiceTokenSigner('order-service', ROGUE_KEY).tokenFor('user-service');
        const forOtherAudience = serviceHeaders('order-service', 'order-service')[SERVICE_TOKEN_HEADER] as string;
        const answers = [await call(rogue), await call(forOtherAudience), await call('v1.e30.AAAA'), await call(`Bearer ${ADMIN}`)];
        expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401]);
        expect(answers.map((r) => String(r.body['message']))).toEqual([
          expect.stringContaining('not signed by order-service'),
          expect.stringContaining('is for order-service, not user-service'),
          expect.stringContaining('malformed'),
          expect.stringContaining('malformed'),
        ]);
      }
      // Control: a token signed with order-service's own key.
      expect((await call(serviceHeaders('order-service', 'user-service')[SERVICE_TOKEN_HEADER] as string)).status).toBe(200);
    });
  });
});
