import { CONSOLE_IDENTITIES } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConsoleDoor } from './console-door';
import { buildConsoleServer } from './console-server';
import { Poller } from './poller';
import type { Probe } from './probes/probe';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const VIEWER = basic(CONSOLE_IDENTITIES.viewer.user, CONSOLE_IDENTITIES.viewer.password);

describe('the console server', () => {
  let app: FastifyInstance;
  let poller: Poller;
  let reads = 0;

  beforeAll(async () => {
    const probe: Probe<{ n: number }> = {
      name: 'zookeeper',
      intervalMs: 60_000,
      cost: 'none',
      collect: async () => ({ n: ++reads }),
      close: async () => undefined,
    };
    poller = new Poller([probe]);
    poller.start();
    await poller.settled();
    app = buildConsoleServer({
      door: new ConsoleDoor(Object.values(CONSOLE_IDENTITIES)),
      poller,
      logger: createJsonLogger({ service: 'console', instanceId: 'spec', level: 'silent' }),
      publicDir: join(__dirname, '..', 'public'),
      about: { profile: 'local', links: {} },
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await poller.close();
  });

  it.each([
    ['no credentials', undefined],
    ['a wrong password', basic(CONSOLE_IDENTITIES.viewer.user, 'guess')],
    ["the operator's user with the viewer's password", basic(CONSOLE_IDENTITIES.operator.user, CONSOLE_IDENTITIES.viewer.password)],
    ['a bearer token', 'Bearer abc'],
  ])('should answer %s with 401, a basic challenge and a reason on every route', async (_who, authorization) => {
    for (const url of ['/', '/console.js', '/api/snapshot', '/api/panels/zookeeper', '/nothing-here']) {
      const res = await app.inject({ url, headers: authorization ? { authorization } : {} });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 401 });
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="dsp console"/);
      expect(res.json()).toMatchObject({ error: 'Unauthorized', reason: expect.stringMatching(/console identity/) });
      expect(res.body).not.toMatch(/"panels"|<html/);
    }
  });

  it('should answer /health/live and /health/ready without credentials, with no panel data', async () => {
    const live = await app.inject({ url: '/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { zookeeper: { status: 'ok' } } });
  });

  it('should serve the page and the cache to a console identity, without reading a server per request', async () => {
    const before = reads;
    for (let i = 0; i < 50; i++) {
      const res = await app.inject({ url: '/api/snapshot', headers: { authorization: VIEWER } });
      expect(res.statusCode).toBe(200);
    }
    const snap = (await app.inject({ url: '/api/snapshot', headers: { authorization: VIEWER } })).json();
    expect(snap).toMatchObject({ user: 'dsp-viewer', profile: 'local', panels: [{ name: 'zookeeper', status: 'ok', data: { n: 1 } }] });
    expect(reads).toBe(before);
    const page = await app.inject({ url: '/', headers: { authorization: VIEWER } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).toMatch(/<script src="\/console.js" defer>/);
  });

  it('should answer an unknown panel or route with a 404 that names what exists', async () => {
    const panel = await app.inject({ url: '/api/panels/nope', headers: { authorization: VIEWER } });
    expect(panel.statusCode).toBe(404);
    expect(panel.json().reason).toMatch(/no panel named "nope" \(panels: zookeeper\)/);
    const route = await app.inject({ method: 'POST', url: '/api/snapshot', headers: { authorization: VIEWER } });
    expect(route.statusCode).toBe(404);
    expect(route.json().reason).toMatch(/POST \/api\/snapshot is not a console route/);
  });
});
