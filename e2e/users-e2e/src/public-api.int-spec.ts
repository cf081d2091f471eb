import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { localAdminToken, type OpenApiDocument } from '@dsp/contracts';
import {
  eventually,
  HttpClient,
  idemKey,
  startPlatform,
  uniqueUsername,
  type HttpAnswer,
  type HttpCallOptions,
  type PlatformFleet,
} from '@dsp/testing';

const PASSWORD = 'correct-horse-battery';
const ADMIN = { authorization: `Bearer ${process.env['ADMIN_TOKEN'] ?? localAdminToken()}` };
const ITEMS = { items: [{ sku: 'SKU-MUG', quantity: 1 }] };

/**
 * The OpenAPI document the gateway serves, tested by use: every documented
 * operation is called against real services, and each answer's status must be
 * one the document lists for it, with a body that validates against the
 * schema it gives (or no body where it gives none). Nothing here compares the
 * document with the table it was generated from.
 */
describe('the public API as /api/openapi.json documents it (real gateway, user-service, order-service)', () => {
  let fleet: PlatformFleet;
  let doc: OpenApiDocument;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s) && !Number.isNaN(Date.parse(s)));
  const validators = new Map<string, ValidateFunction>();
  const called = new Map<string, Set<number>>();

  /** Calls `op` ("METHOD /api/path/{param}") at `path` and checks the answer against the document; returns it. */
  async function check<T = Record<string, unknown>>(
    client: HttpClient,
    op: string,
    path: string,
    opts: HttpCallOptions = {},
  ): Promise<HttpAnswer<T>> {
    const [method, template] = op.split(' ') as [string, string];
    const spec = doc.paths[template]?.[method.toLowerCase()];
    if (!spec) throw new Error(`${op} is not in the document`);
    const res = await client.call<T>(method, path, opts);
    const documented = spec.responses[String(res.status)];
    if (!documented)
      throw new Error(
        `${op} answered ${res.status}, which the document does not list (${Object.keys(spec.responses).join(', ')}): ${JSON.stringify(res.body)}`,
      );
    const schema = documented.content?.['application/json']?.schema;
    if (schema) {
      const key = JSON.stringify(schema);
      let validate = validators.get(key);
      if (!validate) {
        // the document's refs are local to it (#/components/...); here they point into the schema added as "doc"
        validate = ajv.compile(JSON.parse(key.replace(/"#\/components\//g, '"doc#/components/')) as object);
        validators.set(key, validate);
      }
      if (!validate(res.body))
        throw new Error(
          `${op} ${res.status}: the body does not match the document: ${ajv.errorsText(validate.errors)}; body ${JSON.stringify(res.body)}`,
        );
    } else if (res.body !== undefined && res.body !== null && (res.body as unknown) !== '') {
      throw new Error(`${op} ${res.status}: the document gives no body, the answer has one: ${JSON.stringify(res.body)}`);
    }
    const statuses = called.get(op) ?? new Set<number>();
    statuses.add(res.status);
    called.set(op, statuses);
    return res;
  }

  async function loggedIn(): Promise<{ client: HttpClient; id: string; name: string }> {
    const client = new HttpClient(fleet.gateway.url);
    const name = uniqueUsername('oa');
    const reg = await check<{ id: string }>(client, 'POST /api/users', '/api/users', { body: { username: name, password: PASSWORD } });
    expect(reg.status).toBe(201);
    expect((await check(client, 'POST /api/sessions', '/api/sessions', { body: { username: name, password: PASSWORD } })).status).toBe(200);
    return { client, id: reg.body.id, name };
  }

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1 });
    const anon = new HttpClient(fleet.gateway.url);
    await eventually(async () => expect((await anon.get('/api/users/me')).status).toBe(401), 20_000);
    const res = await fetch(`${fleet.gateway.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApiDocument;
    ajv.addSchema({ $id: 'doc', components: doc.components });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('should be OpenAPI 3.1 with a browsable UI next to it', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(15);
    const ui = await fetch(`${fleet.gateway.url}/api/docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });

  it('should answer the users and sessions operations as documented', async () => {
    const anon = new HttpClient(fleet.gateway.url);
    const { client, name } = await loggedIn();
    expect((await check(anon, 'POST /api/users', '/api/users', { body: { username: name, password: PASSWORD } })).status).toBe(409);
    expect((await check(anon, 'POST /api/users', '/api/users', { body: { username: name } })).status).toBe(400);
    expect(
      (await check(anon, 'POST /api/sessions', '/api/sessions', { body: { username: name, password: 'wrong-password' } })).status,
    ).toBe(401);
    expect((await check(client, 'GET /api/users/me', '/api/users/me')).status).toBe(200);
    expect((await check(anon, 'GET /api/users/me', '/api/users/me')).status).toBe(401);

    // a second session of the same user, revoked by id from the first
    const other = new HttpClient(fleet.gateway.url);
    expect((await check(other, 'POST /api/sessions', '/api/sessions', { body: { username: name, password: PASSWORD } })).status).toBe(200);
    const list = await check<{ sessions: { id: string; current: boolean }[] }>(
      client,
      'GET /api/users/me/sessions',
      '/api/users/me/sessions',
    );
    expect(list.status).toBe(200);
    const second = list.body.sessions.find((s) => !s.current);
    expect(second).toBeDefined();
    expect((await check(client, 'DELETE /api/users/me/sessions/{id}', `/api/users/me/sessions/${second?.id}`)).status).toBe(204);
    expect((await check(client, 'DELETE /api/users/me/sessions/{id}', `/api/users/me/sessions/${second?.id}`)).status).toBe(404);
    expect((await check(other, 'GET /api/users/me', '/api/users/me')).status).toBe(401);

    const newPassword = 'another-horse-battery';
    expect(
      (await check(client, 'PUT /api/users/me/password', '/api/users/me/password', { body: { currentPassword: 'nope-nope', newPassword } }))
        .status,
    ).toBe(401);
    expect(
      (await check(client, 'PUT /api/users/me/password', '/api/users/me/password', { body: { currentPassword: PASSWORD, newPassword } }))
        .status,
    ).toBe(204);
    expect((await check(client, 'DELETE /api/sessions/current', '/api/sessions/current')).status).toBe(204);
    expect((await check(client, 'DELETE /api/sessions/current', '/api/sessions/current')).status).toBe(401);

    const again = new HttpClient(fleet.gateway.url);
    expect((await check(again, 'POST /api/sessions', '/api/sessions', { body: { username: name, password: newPassword } })).status).toBe(
      200,
    );
    expect((await check(again, 'DELETE /api/users/me/sessions', '/api/users/me/sessions')).status).toBe(204);
    expect((await check(again, 'GET /api/users/me/sessions', '/api/users/me/sessions')).status).toBe(401);
  });

  it('should answer the order operations as documented', async () => {
    const { client } = await loggedIn();
    const key = idemKey();
    const placed = await check<{ id: string }>(client, 'POST /api/orders', '/api/orders', {
      body: ITEMS,
      headers: { 'idempotency-key': key },
    });
    expect(placed.status).toBe(201);
    const replay = await check<{ id: string }>(client, 'POST /api/orders', '/api/orders', {
      body: ITEMS,
      headers: { 'idempotency-key': key },
    });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(placed.body.id);
    const other = { items: [{ sku: 'SKU-MUG', quantity: 2 }] };
    expect((await check(client, 'POST /api/orders', '/api/orders', { body: other, headers: { 'idempotency-key': key } })).status).toBe(422);
    expect((await check(client, 'POST /api/orders', '/api/orders', { body: ITEMS })).status).toBe(400);
    const unknownSku = { items: [{ sku: 'SKU-NOPE-404', quantity: 1 }] };
    expect(
      (await check(client, 'POST /api/orders', '/api/orders', { body: unknownSku, headers: { 'idempotency-key': idemKey() } })).status,
    ).toBe(422);

    expect((await check(client, 'GET /api/orders', '/api/orders?limit=5')).status).toBe(200);
    expect((await check(client, 'GET /api/orders/{id}', `/api/orders/${placed.body.id}`)).status).toBe(200);
    expect((await check(client, 'GET /api/orders/{id}', '/api/orders/123')).status).toBe(404);
    expect((await check(client, 'POST /api/orders/{id}/pay', `/api/orders/${placed.body.id}/pay`)).status).toBe(200);
    expect((await check(client, 'POST /api/orders/{id}/pay', `/api/orders/${placed.body.id}/pay`)).status).toBe(409);
    expect((await check(client, 'POST /api/orders/{id}/cancel', `/api/orders/${placed.body.id}/cancel`)).status).toBe(409);
    const second = await check<{ id: string }>(client, 'POST /api/orders', '/api/orders', {
      body: ITEMS,
      headers: { 'idempotency-key': idemKey() },
    });
    expect((await check(client, 'POST /api/orders/{id}/cancel', `/api/orders/${second.body.id}/cancel`)).status).toBe(200);

    const queued = await check<{ ticket: string }>(client, 'POST /api/orders/async', '/api/orders/async', { body: ITEMS });
    expect(queued.status).toBe(202);
    await eventually(async () => {
      const t = await check<{ status: string }>(client, 'GET /api/orders/requests/{ticket}', `/api/orders/requests/${queued.body.ticket}`);
      expect(t.status).toBe(200);
      expect(t.body.status).toBe('created');
    }, 30_000);
    expect((await check(client, 'GET /api/orders/requests/{ticket}', '/api/orders/requests/no-such-ticket')).status).toBe(404);

    const admin = new HttpClient(fleet.gateway.url);
    expect((await check(admin, 'GET /api/admin/orders', '/api/admin/orders?limit=3', { headers: ADMIN })).status).toBe(200);
    expect((await check(admin, 'GET /api/admin/orders', '/api/admin/orders')).status).toBe(401);
  });

  it('should answer the product and flash-sale operations as documented', async () => {
    const admin = new HttpClient(fleet.gateway.url);
    const sku = `OA-${Date.now().toString(36).toUpperCase()}`;
    const product = { name: 'openapi mug', priceCents: '700' };
    expect(
      (await check(admin, 'PUT /api/admin/products/{sku}', `/api/admin/products/${sku}`, { body: product, headers: ADMIN })).status,
    ).toBe(200);
    expect(
      (await check(admin, 'PUT /api/admin/products/{sku}', `/api/admin/products/${sku}`, { body: { name: 'x' }, headers: ADMIN })).status,
    ).toBe(400);
    expect((await check(admin, 'PUT /api/admin/products/{sku}', `/api/admin/products/${sku}`, { body: product })).status).toBe(401);

    const sale = await check<{ id: string }>(admin, 'POST /api/flash-sales', '/api/flash-sales', {
      body: { sku, stock: 1, strategy: 'db-atomic' },
      headers: ADMIN,
    });
    expect(sale.status).toBe(201);
    expect(
      (
        await check(admin, 'POST /api/flash-sales', '/api/flash-sales', {
          body: { sku: 'OA-NOPE-404', stock: 1, strategy: 'db-atomic' },
          headers: ADMIN,
        })
      ).status,
    ).toBe(422);
    const anon = new HttpClient(fleet.gateway.url);
    expect((await check(anon, 'GET /api/flash-sales/{id}', `/api/flash-sales/${sale.body.id}`)).status).toBe(200);
    expect((await check(anon, 'GET /api/flash-sales/{id}', '/api/flash-sales/123')).status).toBe(404);

    const first = await loggedIn();
    const late = await loggedIn();
    const purchase = `/api/flash-sales/${sale.body.id}/purchase`;
    expect((await check(first.client, 'GET /api/flash-sales/{id}/purchase', purchase)).status).toBe(404);
    expect((await check(first.client, 'POST /api/flash-sales/{id}/purchase', purchase)).status).toBe(201);
    expect((await check(first.client, 'POST /api/flash-sales/{id}/purchase', purchase)).status).toBe(201); // a replay
    expect((await check(first.client, 'GET /api/flash-sales/{id}/purchase', purchase)).status).toBe(200);
    expect((await check(late.client, 'POST /api/flash-sales/{id}/purchase', purchase)).status).toBe(409); // sold out
    expect((await check(anon, 'POST /api/flash-sales/{id}/purchase', purchase)).status).toBe(401);

    const reserve = await check<{ id: string }>(admin, 'POST /api/flash-sales', '/api/flash-sales', {
      body: { sku, stock: 5, strategy: 'redis-reserve' },
      headers: ADMIN,
    });
    expect((await check(late.client, 'POST /api/flash-sales/{id}/purchase', `/api/flash-sales/${reserve.body.id}/purchase`)).status).toBe(
      202,
    );
  });

  it('should answer the config admin operations as documented (in the e2e profile, so nobody else sees them)', async () => {
    const admin = new HttpClient(fleet.gateway.url);
    const base = '/api/admin/config/user-service';
    const key = 'session.idleTimeoutSeconds';
    expect((await check(admin, 'GET /api/admin/config/{app}', base, { headers: ADMIN })).status).toBe(200);
    expect((await check(admin, 'GET /api/admin/config/{app}', '/api/admin/config/billing', { headers: ADMIN })).status).toBe(404);
    expect((await check(admin, 'GET /api/admin/config/{app}', base)).status).toBe(401);
    const now = await check<{ value: number }>(admin, 'GET /api/admin/config/{app}/{key}', `${base}/${key}`, { headers: ADMIN });
    expect(now.status).toBe(200);
    expect((await check(admin, 'GET /api/admin/config/{app}/{key}', `${base}/no.such.key`, { headers: ADMIN })).status).toBe(404);
    const value = now.body.value;
    expect((await check(admin, 'PUT /api/admin/config/{app}/{key}', `${base}/${key}`, { body: { value }, headers: ADMIN })).status).toBe(
      200,
    );
    expect(
      (await check(admin, 'PUT /api/admin/config/{app}/{key}', `${base}/${key}`, { body: { value: -5 }, headers: ADMIN })).status,
    ).toBe(400);
    const history = await check<{ history: { seq: number }[] }>(
      admin,
      'GET /api/admin/config/{app}/{key}/history',
      `${base}/${key}/history`,
      {
        headers: ADMIN,
      },
    );
    expect(history.status).toBe(200);
    const last = history.body.history[history.body.history.length - 1];
    expect(
      (
        await check(admin, 'POST /api/admin/config/{app}/{key}/rollback', `${base}/${key}/rollback`, {
          body: { seq: last?.seq },
          headers: ADMIN,
        })
      ).status,
    ).toBe(200);
    const gray = { value, tags: ['openapi-test-no-such-tag'] };
    expect(
      (await check(admin, 'PUT /api/admin/config/{app}/{key}/gray', `${base}/${key}/gray`, { body: gray, headers: ADMIN })).status,
    ).toBe(200);
    expect((await check(admin, 'DELETE /api/admin/config/{app}/{key}/gray', `${base}/${key}/gray`, { headers: ADMIN })).status).toBe(204);
    expect(
      (await check(admin, 'PUT /api/admin/config/{app}/{key}/gray', `${base}/${key}/gray`, { body: gray, headers: ADMIN })).status,
    ).toBe(200);
    expect(
      (await check(admin, 'POST /api/admin/config/{app}/{key}/gray/promote', `${base}/${key}/gray/promote`, { headers: ADMIN })).status,
    ).toBe(200);
    // refusals: an unknown key (the app's schema) and a body the gateway's schema refuses
    expect(
      (await check(admin, 'PUT /api/admin/config/{app}/{key}', `${base}/no.such.key`, { body: { value: 1 }, headers: ADMIN })).status,
    ).toBe(400);
    expect(
      (await check(admin, 'GET /api/admin/config/{app}/{key}/history', `${base}/no.such.key/history`, { headers: ADMIN })).status,
    ).toBe(400);
    expect(
      (await check(admin, 'PUT /api/admin/config/{app}/{key}/gray', `${base}/${key}/gray`, { body: { tags: ['x'] }, headers: ADMIN }))
        .status,
    ).toBe(400);
    expect(
      (await check(admin, 'POST /api/admin/config/{app}/{key}/gray/promote', `${base}/${key}/gray/promote`, { headers: ADMIN })).status,
    ).toBe(400); // promoted already: no gray release left
  });

  it('should refuse every operation behind a session or the admin token without one (401, as documented)', async () => {
    const anon = new HttpClient(fleet.gateway.url);
    const guarded = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.security !== undefined && op.requestBody === undefined)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(guarded.length).toBeGreaterThan(15);
    for (const op of guarded) {
      const path = (op.split(' ')[1] as string)
        .replace('{app}', 'user-service')
        .replace('{key}', 'session.idleTimeoutSeconds')
        .replace(/\{\w+\}/g, '1');
      const res = await check(anon, op, path);
      expect([op, res.status]).toEqual([op, 401]);
    }
  });

  it('should have called every documented operation (after the cases above)', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.filter((op) => !called.has(op))).toEqual([]);
  });
});
