import { CONSOLE_IDENTITIES } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConsoleDoor } from './console-door';
import { buildConsoleServer, EXPERIMENT_HEADER } from './console-server';
import type { Experiment } from './experiments/experiment';
import { ExperimentRunner } from './experiments/experiment-runner';
import { Poller } from './poller';
import type { Probe } from './probes/probe';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const VIEWER = basic(CONSOLE_IDENTITIES.viewer.user, CONSOLE_IDENTITIES.viewer.password);
const OPERATOR = basic(CONSOLE_IDENTITIES.operator.user, CONSOLE_IDENTITIES.operator.password);

/** An experiment the test ends by hand: `finish()` resolves its run. */
function gatedExperiment(): Experiment & { finish(): void; runs: number } {
  let finish = (): void => undefined;
  const e = {
    name: 'gated',
    title: 'A gated experiment',
    description: 'ends when the test says',
    notes: [],
    runs: 0,
    finish: () => finish(),
    async run(ctx: { step(t: string): void }) {
      e.runs++;
      ctx.step('waiting for the test');
      await new Promise<void>((r) => (finish = r));
      return { held: true, summary: 'it held', evidence: [{ k: 'v' }] };
    },
  };
  return e;
}

describe('the console server', () => {
  let app: FastifyInstance;
  let poller: Poller;
  let reads = 0;
  let off: string | undefined;
  const gated = gatedExperiment();
  const runner = new ExperimentRunner([gated], createJsonLogger({ service: 'console', instanceId: 'spec', level: 'silent' }));

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
      experiments: runner,
      experimentsOff: () => off,
    });
    await app.ready();
  });

  afterAll(async () => {
    gated.finish();
    await app.close();
    await runner.close();
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

  it('should turn an address away with 429 once it sent 20 refused credentials, before comparing even right ones', async () => {
    const remoteAddress = '10.9.8.7';
    // Visits without credentials (a browser before its prompt) do not count.
    for (let i = 0; i < 30; i++) expect((await app.inject({ url: '/api/snapshot', remoteAddress })).statusCode).toBe(401);
    for (let i = 0; i < 20; i++) {
      const res = await app.inject({ url: '/api/snapshot', remoteAddress, headers: { authorization: basic('dsp-viewer', `guess-${i}`) } });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await app.inject({ url: '/api/snapshot', remoteAddress, headers: { authorization: VIEWER } });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(blocked.json()).toEqual({
      error: 'Too Many Requests',
      reason: expect.stringMatching(/^too many refused credentials from 10\.9\.8\.7: try again in \d+ s$/),
    });
    expect(blocked.body).not.toMatch(/"panels"/);
    // The open routes stay open, and another address is not affected.
    expect((await app.inject({ url: '/health/live', remoteAddress })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/snapshot', remoteAddress: '10.9.8.6', headers: { authorization: VIEWER } })).statusCode).toBe(
      200,
    );
  });

  it('should answer /health/live and /health/ready without credentials, with no panel data', async () => {
    const live = await app.inject({ url: '/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { zookeeper: { status: 'read' } } });
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

  describe('experiments', () => {
    const post = (authorization: string, headers: Record<string, string> = { [EXPERIMENT_HEADER]: '1' }, name = 'gated') =>
      app.inject({ method: 'POST', url: `/api/experiments/${name}`, headers: { authorization, ...headers } });

    it("should refuse the viewer (403), a POST without the console's header (403), and the production profile (403), running nothing", async () => {
      const viewer = await post(VIEWER);
      expect(viewer.statusCode).toBe(403);
      expect(viewer.json().reason).toMatch(/dsp-viewer may view, not run experiments/);
      const forged = await post(OPERATOR, {});
      expect(forged.statusCode).toBe(403);
      expect(forged.json().reason).toMatch(/must carry the header x-dsp-console: 1/);
      off = 'experiments are refused under PLATFORM_PROFILE=production: they kill servers of the stack';
      try {
        const prod = await post(OPERATOR);
        expect(prod.statusCode).toBe(403);
        expect(prod.json().reason).toBe(off);
        const list = (await app.inject({ url: '/api/experiments', headers: { authorization: OPERATOR } })).json();
        expect(list).toMatchObject({ available: false, reason: off });
      } finally {
        off = undefined;
      }
      expect(gated.runs).toBe(0);
    });

    it('should answer an unknown experiment with 404 naming the known ones', async () => {
      const res = await post(OPERATOR, { [EXPERIMENT_HEADER]: '1' }, 'kill-everything');
      expect(res.statusCode).toBe(404);
      expect(res.json().reason).toBe('no experiment named "kill-everything" (experiments: gated)');
    });

    it('should run one experiment at a time for the operator: 202 with its run, 409 while it runs, then its verdict', async () => {
      const started = await post(OPERATOR);
      expect(started.statusCode).toBe(202);
      const run = started.json();
      expect(run).toMatchObject({ experiment: 'gated', by: 'dsp-operator', state: 'running' });
      expect(started.headers['location']).toBe(`/api/experiments/runs/${run.id}`);
      const second = await post(OPERATOR);
      expect(second.statusCode).toBe(409);
      expect(second.json().reason).toMatch(/"gated" is running .*one experiment at a time/);
      gated.finish();
      await new Promise((r) => setTimeout(r, 20));
      const done = (await app.inject({ url: `/api/experiments/runs/${run.id}`, headers: { authorization: VIEWER } })).json();
      expect(done).toMatchObject({ state: 'held', verdict: { held: true, summary: 'it held' }, steps: [{ text: 'waiting for the test' }] });
      expect(gated.runs).toBe(1);
      const list = (await app.inject({ url: '/api/experiments', headers: { authorization: VIEWER } })).json();
      expect(list).toMatchObject({
        available: true,
        mayRun: false,
        experiments: [{ name: 'gated', lastRun: { id: run.id, state: 'held' } }],
      });
    });
  });
});
