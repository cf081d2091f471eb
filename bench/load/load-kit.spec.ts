import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { publicOperations } from '@dsp/contracts';
import { assertLoopback, formatResult } from './cli';
import { renderHtml } from './report';
import { runLoad, type LoadResult } from './run-load';
import { scenario, SCENARIOS, UNLOADED_OPERATIONS, type ScenarioContext } from './scenarios';

describe('load kit', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    let n = 0;
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['cookie'] ?? ''}`);
      res.statusCode = n++ % 2 === 0 ? 200 : 409;
      // A refusal takes longer here, so the per-status latencies can be told apart.
      if (res.statusCode === 409) setTimeout(() => res.end('{}'), 20);
      else res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('should send what the plan says, count every answer by status, and give latency percentiles', async () => {
    let i = 0;
    const r = await runLoad(
      'test',
      url,
      { method: 'POST', next: () => ({ path: `/buy/${i}`, headers: { cookie: `b=${i++}` } }) },
      { connections: 4, durationSeconds: 0, rate: 0, amount: 200 },
    );
    expect(r.requests).toBe(200);
    expect(r.statusCodes).toEqual({ 200: 100, 409: 100 });
    expect(r.errors).toBe(0);
    expect(r.successesPerSec).toBeCloseTo(r.requestsPerSec / 2, 5);
    expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p95);
    expect(r.latencyMs.p95).toBeLessThanOrEqual(r.latencyMs.p99);
    expect(Object.keys(r.latencyByStatusMs).sort()).toEqual(['200', '409']);
    expect(r.latencyByStatusMs['409']?.p50).toBeGreaterThanOrEqual(15);
    expect(r.latencyByStatusMs['200']?.p50).toBeLessThan(15);
    expect(seen.length).toBeGreaterThanOrEqual(200);
    expect(seen[0]).toMatch(/^POST \/buy\/\d+ b=\d+$/);
    expect(new Set(seen.map((s) => s.split(' ')[1])).size).toBeGreaterThan(100); // a new request each time, not one replayed
  });

  it("should time a run of a fixed amount to its last answer, not to autocannon's once-a-second tick", async () => {
    const began = Date.now();
    const r = await runLoad(
      'test',
      url,
      { method: 'GET', next: () => ({ path: '/fast' }) },
      { connections: 4, durationSeconds: 0, rate: 0, amount: 50 },
    );
    const wall = (Date.now() - began) / 1000;
    expect(r.requests).toBe(50);
    // 50 answers from a local server take milliseconds; autocannon reports itself done only on its next tick (~1 s).
    expect(wall).toBeGreaterThan(0.5);
    expect(r.durationSeconds).toBeLessThan(wall / 2);
    expect(r.requestsPerSec).toBeCloseTo(50 / r.durationSeconds, 5);
  });

  it('should name the known scenarios for an unknown one', () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'browse',
        'login',
        'my-orders',
        'place-order',
        'place-order-async',
        'flash-sale:zk-lock',
        'flash-sale:redis-reserve',
      ]),
    );
    expect(() => scenario('flash-sale:zk-lok')).toThrow(/unknown load scenario "flash-sale:zk-lok"; known: browse, .*flash-sale:zk-lock/);
  });

  it('should refuse targets that are not this machine', () => {
    expect(() => assertLoopback('http://example.com:8080')).toThrow(/only targets this machine/);
    expect(() => assertLoopback('http://10.0.0.5:8080')).toThrow(/only targets this machine/);
    expect(() => assertLoopback('http://127.0.0.1:8080')).not.toThrow();
    expect(() => assertLoopback('http://[::1]:8080')).not.toThrow();
  });

  it('should chart every scenario side by side and show sold vs stock', () => {
    const base: LoadResult = {
      scenario: 'flash-sale:db-atomic',
      at: '2026-11-26T00:00:00.000Z',
      options: { connections: 32, durationSeconds: 5, rate: 0 },
      durationSeconds: 5,
      requests: 500,
      sent: 500,
      inFlightAtEnd: 0,
      requestsPerSec: 100,
      successesPerSec: 20,
      latencyMs: { p50: 1, p95: 2, p99: 3, max: 4 },
      latencyByStatusMs: { 201: { p50: 1, p99: 3, max: 4 }, 409: { p50: 1, p99: 2, max: 2 } },
      statusCodes: { 201: 100, 409: 400 },
      errors: 0,
      extra: { stock: 100, sold: 100, oversold: 0 },
    };
    const html = renderHtml([base, { ...base, scenario: 'browse', extra: {} }], 'Load results');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('flash-sale:db-atomic');
    expect(html).toContain('browse');
    expect(html).toContain('100 / 100');
    expect(html).not.toContain('OVERSOLD');
  });

  it('should load every public operation with a scenario, or say why not', () => {
    const loaded = new Set(SCENARIOS.flatMap((x) => x.routes));
    const ops = publicOperations();
    expect(ops.length).toBeGreaterThan(15);
    const missing = ops.filter((op) => !loaded.has(op) && UNLOADED_OPERATIONS[op] === undefined);
    expect(missing).toEqual([]);
    // and no scenario or exclusion names an operation that does not exist
    const known = new Set(ops);
    expect([...loaded, ...Object.keys(UNLOADED_OPERATIONS)].filter((op) => !known.has(op))).toEqual([]);
    expect(Object.keys(UNLOADED_OPERATIONS).filter((op) => loaded.has(op))).toEqual([]);
  });

  it('should count requests cut in flight when a timed run stops, and explain a sale sold beyond its 2xx', async () => {
    const slow = createServer((_req, res) => setTimeout(() => res.end('{}'), 400));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const ticks: number[] = [];
    try {
      const r = await runLoad(
        'slow',
        `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
        { method: 'GET', next: () => ({ path: '/' }) },
        { connections: 4, durationSeconds: 1.5, rate: 0 },
        (p) => ticks.push(p.answers),
      );
      // 4 connections, 400 ms each: ~12 answered in 1.5 s, and each connection has one more out when the run stops
      expect(r.requests).toBeGreaterThanOrEqual(4);
      expect(r.inFlightAtEnd).toBeGreaterThanOrEqual(1);
      expect(r.inFlightAtEnd).toBeLessThanOrEqual(4);
      expect(r.sent).toBe(r.requests + r.inFlightAtEnd + r.errors);
      expect(ticks.length).toBeGreaterThanOrEqual(1);
      // with a rate, too: at most one request per connection can be out
      const paced = await runLoad(
        'paced',
        `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
        { method: 'GET', next: () => ({ path: '/' }) },
        { connections: 4, durationSeconds: 1.5, rate: 200 },
      );
      expect(paced.inFlightAtEnd).toBeGreaterThanOrEqual(1);
      expect(paced.inFlightAtEnd).toBeLessThanOrEqual(4);
      expect(paced.sent).toBeLessThanOrEqual(paced.requests + 4);
      const sale = formatResult({
        ...r,
        statusCodes: { 201: 326, 409: 10 },
        inFlightAtEnd: 16,
        extra: { stock: 1000, sold: 342, oversold: 0 },
      });
      expect(sale).toContain('sold 342 of 1000; 326 purchases answered 2xx, 16 still in flight when the run stopped');
    } finally {
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  it('should run a scenario that says it needs no buyers with none seeded', async () => {
    const api = createServer((req, res) => {
      // the admin calls a scenario's prepare makes: a product, a sale
      res.statusCode = req.method === 'PUT' ? 200 : 201;
      res.end(JSON.stringify({ id: '42', stock: 1, stockTotal: 1, sold: 0 }));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const ctx: ScenarioContext = {
      gatewayUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      buyers: [],
      buyerCount: 0,
      seed: () => Promise.reject(new Error('no seeding here')),
      adminToken: 't',
      stock: 1,
      progress: () => undefined,
    };
    try {
      const free = SCENARIOS.filter((x) => !x.buyers && x.name !== 'logout'); // logout seeds its own
      expect(free.map((x) => x.name)).toEqual(expect.arrayContaining(['browse', 'register', 'admin-orders']));
      for (const x of free) {
        const { plan } = await x.prepare(ctx);
        const req = plan.next();
        expect(req.headers?.['cookie']).toBeUndefined();
        expect(req.path).toMatch(/^\/api\//);
      }
      await expect(scenario('logout').prepare(ctx)).rejects.toThrow('no seeding here');
    } finally {
      await new Promise<void>((r) => api.close(() => r()));
    }
  });
});
