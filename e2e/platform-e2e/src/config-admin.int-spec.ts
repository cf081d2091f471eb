import { localAdminToken } from '@dsp/contracts';
import { eventually, HttpClient, startPlatform, type PlatformFleet } from '@dsp/testing';

const ADMIN = { authorization: `Bearer ${process.env['ADMIN_TOKEN'] ?? localAdminToken()}` };
const KEY = 'session.idleTimeoutSeconds';

type Current = { app: string; profile: string; path: string; keys: string[]; values: Record<string, unknown> };
type History = { history: { seq: number; value: unknown; author: string }[] };

describe('config admin API through the gateway (real ZooKeeper, digest-protected writes)', () => {
  let fleet: PlatformFleet;
  let admin: HttpClient;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 2 });
    admin = new HttpClient(fleet.gateway.url);
    await eventually(async () => expect((await admin.get('/api/admin/config/user-service', { headers: ADMIN })).status).toBe(200), 20_000);
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('should refuse calls without the admin token, and name the known apps for an unknown one', async () => {
    expect((await admin.get('/api/admin/config/user-service')).status).toBe(401);
    expect(
      (await admin.get('/api/admin/config/user-service', { headers: { authorization: 'Bearer wrong-token-of-the-same-size' } })).status,
    ).toBe(401);
    const unknown = await admin.get('/api/admin/config/billing', { headers: ADMIN });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ message: 'unknown app "billing"; known: gateway, user-service, order-service' });
  });

  it('should write a value that every instance of the app then serves, keep its history, and roll it back', async () => {
    const before = await admin.get<Current>('/api/admin/config/user-service', { headers: ADMIN });
    expect(before.body).toMatchObject({ app: 'user-service', profile: 'e2e', path: '/config/user-service/e2e' });
    expect(before.body.keys).toContain(KEY);
    const first = 1000 + Math.floor(Math.random() * 1000);
    const next = first + 1;
    expect((await admin.put(`/api/admin/config/user-service/${KEY}`, { value: first }, { headers: ADMIN })).status).toBe(200);
    const put = await admin.put(`/api/admin/config/user-service/${KEY}`, { value: next }, { headers: ADMIN });
    expect(put.status).toBe(200);
    // Both instances see it (the gateway picks one per call, round-robin).
    for (const u of fleet.users) {
      await eventually(async () => {
        const r = await new HttpClient(u.url).as('gateway', 'user-service').get<Current>('/internal/config');
        expect(r.body.values[KEY]).toBe(next);
      }, 10_000);
    }
    const history = await admin.get<History>(`/api/admin/config/user-service/${KEY}/history`, { headers: ADMIN });
    expect(history.status).toBe(200);
    const last = history.body.history[history.body.history.length - 1];
    expect(last).toMatchObject({ value: next, author: 'admin-api' });
    const previous = history.body.history[history.body.history.length - 2] as { seq: number; value: unknown };
    expect(previous.value).toBe(first);
    const rb = await admin.post(`/api/admin/config/user-service/${KEY}/rollback`, { seq: previous.seq }, { headers: ADMIN });
    expect(rb.status).toBe(200);
    for (const u of fleet.users) {
      await eventually(async () => {
        const r = await new HttpClient(u.url).as('gateway', 'user-service').get<Current>('/internal/config');
        expect(r.body.values[KEY]).toBe(first);
      }, 10_000);
    }
  });

  it('should refuse an invalid value or an unknown key with a 400 naming it, writing nothing', async () => {
    const before = await admin.get<History>(`/api/admin/config/user-service/${KEY}/history`, { headers: ADMIN });
    const bad = await admin.put(`/api/admin/config/user-service/${KEY}`, { value: 'soon' }, { headers: ADMIN });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining(`config key "${KEY}"`) });
    const unknown = await admin.put('/api/admin/config/user-service/no.such.key', { value: 1 }, { headers: ADMIN });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ message: expect.stringContaining('unknown key') });
    const after = await admin.get<History>(`/api/admin/config/user-service/${KEY}/history`, { headers: ADMIN });
    expect(after.body.history.length).toBe(before.body.history.length);
  });

  it('should read one key, and answer 404 for an unknown key or route without naming an internal path', async () => {
    const one = await admin.get<{ key: string; value: unknown; path: string }>(`/api/admin/config/user-service/${KEY}`, { headers: ADMIN });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ key: KEY, value: expect.any(Number), path: `/config/user-service/e2e/${KEY}` });
    const unknownKey = await admin.get('/api/admin/config/user-service/no.such.key', { headers: ADMIN });
    expect(unknownKey.status).toBe(404);
    expect(unknownKey.body).toMatchObject({
      statusCode: 404,
      error: 'Not Found',
      message: expect.stringContaining('unknown config key "no.such.key"'),
    });
    const noRoute = await admin.get(`/api/admin/config/user-service/${KEY}/nothing/here`, { headers: ADMIN });
    expect(noRoute.status).toBe(404);
    expect(JSON.stringify(noRoute.body)).not.toContain('/internal');
    expect(noRoute.body).toMatchObject({ message: expect.stringContaining(`/api/admin/config/user-service/${KEY}/nothing/here`) });
  });

  it("should manage the gateway's own config the same way", async () => {
    const r = await admin.get<Current>('/api/admin/config/gateway', { headers: ADMIN });
    expect(r.status).toBe(200);
    expect(r.body.keys).toEqual(expect.arrayContaining(['routing.strategy', 'ratelimit.login.ipAttempts']));
  });
});
