import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertLoopback } from './cli';
import { renderHtml } from './report';
import { runLoad, type LoadResult } from './run-load';
import { scenario, SCENARIOS } from './scenarios';

describe('load kit', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    let n = 0;
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['cookie'] ?? ''}`);
      res.statusCode = n++ % 2 === 0 ? 200 : 409;
      res.end('{}');
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
    expect(seen.length).toBeGreaterThanOrEqual(200);
    expect(seen[0]).toMatch(/^POST \/buy\/\d+ b=\d+$/);
    expect(new Set(seen.map((s) => s.split(' ')[1])).size).toBeGreaterThan(100); // a new request each time, not one replayed
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
      requestsPerSec: 100,
      successesPerSec: 20,
      latencyMs: { p50: 1, p95: 2, p99: 3, max: 4 },
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
});
