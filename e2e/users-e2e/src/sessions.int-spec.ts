import { randomBytes } from 'node:crypto';
import { stackControl } from '@dsp/ops';
import { eventually, HttpClient, mysqlAdmin } from '@dsp/testing';
import { setGatewayConfig, startFleet, username, type Fleet } from './fleet';

const COOKIE = 'dsp.sid';
const PASSWORD = 'correct-horse-battery';
/** register -> login -> me rounds with the replica's SQL thread stopped. */
const RYW_ROUNDS = Number(process.env['USERS_RYW_ROUNDS'] ?? 20);
/** Requests made with a pre-login session id after login. */
const FIXATION_TRIES = 50;

describe('sessions through the gateway (real Redis, MariaDB, ZooKeeper)', () => {
  let fleet: Fleet;
  let gw: HttpClient;
  let a: string;
  let b: string;

  async function registered(name = username()): Promise<{ name: string; client: HttpClient }> {
    const client = new HttpClient(fleet.gateway.url);
    const reg = await client.post('/api/users', { username: name, password: PASSWORD });
    expect(reg.status).toBe(201);
    return { name, client };
  }

  async function loggedIn(): Promise<{ name: string; client: HttpClient }> {
    const r = await registered();
    expect((await r.client.post('/api/sessions', { username: r.name, password: PASSWORD })).status).toBe(200);
    return r;
  }

  beforeAll(async () => {
    await setGatewayConfig({ 'ratelimit.login.ipAttempts': 100_000 });
    fleet = await startFleet(2);
    gw = new HttpClient(fleet.gateway.url);
    [a, b] = fleet.users.map((u) => u.url) as [string, string];
    await eventually(async () => expect((await gw.get('/api/users/me')).status).toBe(401), 20_000);
  });

  afterAll(async () => {
    await mysqlAdmin.startReplicaSql('mysql-c0-replica').catch(() => undefined);
    await fleet?.stop();
  });

  describe('when a user logs in on instance A', () => {
    it('should be the same user on instance B, and after logout on B, A should answer 401', async () => {
      const { name } = await registered();
      const onA = new HttpClient(a).as('gateway', 'user-service');
      const login = await onA.post<{ user: { id: string } }>('/api/sessions', { username: name, password: PASSWORD });
      expect(login.status).toBe(200);
      const onB = onA.at(b);
      const meA = await onA.get<{ id: string; username: string }>('/api/users/me');
      const meB = await onB.get<{ id: string; username: string }>('/api/users/me');
      expect(meA.status).toBe(200);
      expect(meB.status).toBe(200);
      expect(meB.body).toMatchObject({ id: login.body.user.id, username: name });
      expect(meA.body.id).toBe(meB.body.id);
      expect((await onB.delete('/api/sessions/current')).status).toBe(204);
      const sid = onA.cookie(COOKIE);
      expect((await onA.get('/api/users/me')).status).toBe(401);
      expect(sid).toBeDefined();
    });

    it('should set the session cookie HttpOnly, SameSite=Lax, and Secure with a __Host- name over TLS', async () => {
      const { name } = await registered();
      const plain = await new HttpClient(a).as('gateway', 'user-service').post('/api/sessions', { username: name, password: PASSWORD });
      expect(plain.setCookies).toHaveLength(1);
      expect(plain.setCookies[0]).toMatch(/^dsp\.sid=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
      const tls = await new HttpClient(a)
        .as('gateway', 'user-service')
        .post('/api/sessions', { username: name, password: PASSWORD }, { headers: { 'x-forwarded-proto': 'https' } });
      expect(tls.setCookies[0]).toMatch(/^__Host-dsp\.sid=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/);
    });
  });

  describe('when a request already carries a session id at login', () => {
    it(`should issue a new id and make the pre-login id useless (401 ${FIXATION_TRIES}/${FIXATION_TRIES})`, async () => {
      const { name, client } = await loggedIn();
      const before = client.cookie(COOKIE) as string;
      expect((await client.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200);
      const after = client.cookie(COOKIE) as string;
      expect(after).not.toBe(before);
      const old = new HttpClient(a).as('gateway', 'user-service');
      old.setCookie(COOKIE, before);
      let unauthorized = 0;
      for (let i = 0; i < FIXATION_TRIES; i++) {
        const r = await (i % 3 === 0 ? old : old.at(i % 3 === 1 ? b : fleet.gateway.url)).get('/api/users/me');
        if (r.status === 401) unauthorized++;
      }
      expect(unauthorized).toBe(FIXATION_TRIES);
      expect((await client.get('/api/users/me')).status).toBe(200);
    });

    it('should never adopt an id chosen by the client', async () => {
      const { name } = await registered();
      const planted = randomBytes(32).toString('base64url');
      const victim = new HttpClient(fleet.gateway.url);
      victim.setCookie(COOKIE, planted);
      expect((await victim.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200);
      expect(victim.cookie(COOKIE)).not.toBe(planted);
      const attacker = new HttpClient(fleet.gateway.url);
      attacker.setCookie(COOKIE, planted);
      expect((await attacker.get('/api/users/me')).status).toBe(401);
    });
  });

  describe('when a user has several sessions', () => {
    it('should list them, revoke one by id, and revoke all', async () => {
      const { name, client: first } = await loggedIn();
      const second = new HttpClient(fleet.gateway.url);
      expect((await second.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200);
      const list = await first.get<{ sessions: { id: string; current: boolean }[] }>('/api/users/me/sessions');
      expect(list.status).toBe(200);
      expect(list.body.sessions).toHaveLength(2);
      expect(list.body.sessions.filter((s) => s.current)).toHaveLength(1);
      const other = list.body.sessions.find((s) => !s.current) as { id: string };
      expect((await first.delete(`/api/users/me/sessions/${other.id}`)).status).toBe(204);
      expect((await second.get('/api/users/me')).status).toBe(401);
      expect((await first.delete('/api/users/me/sessions/not-mine')).status).toBe(404);
      expect((await first.delete('/api/users/me/sessions')).status).toBe(204);
      expect((await first.get('/api/users/me')).status).toBe(401);
    });

    it('should revoke the other sessions when the password changes, and only the new password should work', async () => {
      const { name, client: first } = await loggedIn();
      const second = new HttpClient(fleet.gateway.url);
      expect((await second.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200);
      const wrong = await first.put('/api/users/me/password', { currentPassword: 'not-the-password', newPassword: 'a-new-password-1' });
      expect(wrong.status).toBe(401);
      expect((await second.get('/api/users/me')).status).toBe(200);
      const ok = await first.put('/api/users/me/password', { currentPassword: PASSWORD, newPassword: 'a-new-password-1' });
      expect(ok.status).toBe(204);
      expect((await second.get('/api/users/me')).status).toBe(401);
      expect((await first.get('/api/users/me')).status).toBe(200);
      expect(
        (await new HttpClient(a).as('gateway', 'user-service').post('/api/sessions', { username: name, password: PASSWORD })).status,
      ).toBe(401);
      expect(
        (await new HttpClient(b).as('gateway', 'user-service').post('/api/sessions', { username: name, password: 'a-new-password-1' }))
          .status,
      ).toBe(200);
    });
  });

  describe('when a username is taken', () => {
    it('should answer 409 naming it, case-insensitively, and create nothing', async () => {
      const { name } = await registered();
      const dup = await gw.post('/api/users', { username: name.toUpperCase(), password: PASSWORD });
      expect(dup.status).toBe(409);
      expect(dup.body).toEqual({ statusCode: 409, error: 'Conflict', message: `username "${name.toUpperCase()}" is already taken` });
      const rows = await mysqlAdmin.query('mysql-c0-primary', 'SELECT COUNT(*) AS n FROM user_db.users WHERE username = ?', [name]);
      expect(Number(rows[0]?.['n'])).toBe(1);
    });
  });

  describe("when the replica's SQL thread is stopped (lag forced for real)", () => {
    it(`should answer register -> login -> me with the fresh user every time (${RYW_ROUNDS} rounds), never 401 or stale`, async () => {
      await mysqlAdmin.stopReplicaSql('mysql-c0-replica');
      const routes: string[] = [];
      try {
        for (let i = 0; i < RYW_ROUNDS; i++) {
          const name = username('ryw');
          const c = new HttpClient(fleet.gateway.url);
          expect((await c.post('/api/users', { username: name, password: PASSWORD })).status).toBe(201);
          expect((await c.post('/api/sessions', { username: name, password: PASSWORD })).status).toBe(200);
          const me = await c.get<{ username: string }>('/api/users/me');
          expect(me.status).toBe(200);
          expect(me.body.username).toBe(name);
          routes.push(me.headers.get('x-db-route') ?? '');
          const onReplica = await mysqlAdmin.query('mysql-c0-replica', 'SELECT COUNT(*) AS n FROM user_db.users WHERE username = ?', [
            name,
          ]);
          expect(Number(onReplica[0]?.['n'])).toBe(0);
        }
      } finally {
        await mysqlAdmin.startReplicaSql('mysql-c0-replica');
      }
      expect(routes.every((r) => r.startsWith('user_db:primary;'))).toBe(true);
      const { client } = await loggedIn();
      await eventually(async () => {
        const me = await client.get('/api/users/me');
        expect(me.headers.get('x-db-route')).toBe('user_db:replica0;replica');
      }, 15_000);
    });
  });

  describe('when Redis is killed (kill -9) and restarted', () => {
    it('should keep the sessions (AOF), answering 503, not 500, while Redis is down', async () => {
      const { name, client } = await loggedIn();
      await new Promise((r) => setTimeout(r, 1_200)); // appendfsync everysec
      stackControl.kill('redis');
      try {
        const during = await client.get('/api/users/me');
        expect([503]).toContain(during.status);
      } finally {
        await stackControl.restart('redis');
      }
      await eventually(async () => {
        const me = await client.get<{ username: string }>('/api/users/me');
        expect(me.status).toBe(200);
        expect(me.body.username).toBe(name);
      }, 20_000);
    });
  });
});
