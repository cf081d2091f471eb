import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEADLINE_HEADER } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import type { SelectionStrategy, ServiceDiscovery, ServiceInstance } from '@dsp/zookeeper';
import { NoInstanceError, UpstreamError } from './service-client-errors';
import { ServiceClient } from './service-client';

const logger = createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'silent' });

/** A discovery cache over fixed instances: picks the first not yet tried, records what the client reports. */
function fakeDiscovery(instances: ServiceInstance[]) {
  const reports: string[] = [];
  let inFlight = 0;
  const discovery = {
    select: (_s: string, _st: SelectionStrategy, _k: string | undefined, tried: Set<string>) => instances.find((i) => !tried.has(i.id)),
    track: () => {
      inFlight++;
      return () => void inFlight--;
    },
    reportSuccess: (i: ServiceInstance) => void reports.push(`ok ${i.id}`),
    reportFailure: (i: ServiceInstance) => void reports.push(`failed ${i.id}`),
  } as unknown as ServiceDiscovery;
  return { discovery, reports, inFlight: () => inFlight };
}

const instance = (id: string, port: number): ServiceInstance =>
  ({ id, name: 'user-service', address: '127.0.0.1', port, zone: 'local', tags: [], registeredAt: '', version: '1' }) as ServiceInstance;

/** A local HTTP server that answers as `handle` says. */
async function server(handle: Parameters<typeof createServer>[1]): Promise<{ port: number; close: () => Promise<void> }> {
  const s: Server = createServer(handle);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return {
    port: (s.address() as AddressInfo).port,
    close: () =>
      new Promise((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

/** A port nothing listens on (a dead instance: connection refused). */
async function deadPort(): Promise<number> {
  const s = await server(() => undefined);
  await s.close();
  return s.port;
}

describe('ServiceClient', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  async function up(handle: Parameters<typeof createServer>[1]): Promise<number> {
    const s = await server(handle);
    closers.push(s.close);
    return s.port;
  }
  const client = (d: ServiceDiscovery, timeoutMs = 2000) => {
    const c = new ServiceClient(d, () => ({}) as SelectionStrategy, logger, { timeoutMs });
    closers.push(async () => c.close());
    return c;
  };

  it('should retry a refused connection on another instance, whatever the method, and report both outcomes', async () => {
    const good = await up((_q, r) => r.end('hello'));
    const f = fakeDiscovery([instance('dead', await deadPort()), instance('good', good)]);
    const res = await client(f.discovery).request('user-service', { method: 'POST', path: '/x', body: '{}' });
    expect({ status: res.status, body: res.body.toString(), instance: res.instance.id, attempts: res.attempts }).toEqual({
      status: 200,
      body: 'hello',
      instance: 'good',
      attempts: 2,
    });
    expect(f.reports).toEqual(['failed dead', 'ok good']);
    expect(f.inFlight()).toBe(0);
  });

  it('should not resend a non-idempotent request whose connection broke after it was sent (502)', async () => {
    let calls = 0;
    const breaks = await up((q) => {
      calls++;
      q.socket.destroy();
    });
    const f = fakeDiscovery([instance('a', breaks), instance('b', breaks)]);
    const err = await client(f.discovery)
      .request('user-service', { method: 'POST', path: '/orders', body: '{}' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ statusCode: 502, attempts: [{ instance: 'a' }] });
    expect(calls).toBe(1);
  });

  it('should resend an idempotent request whose connection broke on another instance', async () => {
    const breaks = await up((q) => q.socket.destroy());
    const good = await up((_q, r) => r.end('ok'));
    const f = fakeDiscovery([instance('a', breaks), instance('b', good)]);
    const res = await client(f.discovery).request('user-service', { method: 'GET', path: '/me' });
    expect({ status: res.status, instance: res.instance.id }).toEqual({ status: 200, instance: 'b' });
  });

  it('should answer 504 when the instance does not answer within the deadline', async () => {
    const silent = await up(() => undefined);
    const f = fakeDiscovery([instance('slow', silent)]);
    await expect(client(f.discovery, 300).request('user-service', { method: 'GET', path: '/me' })).rejects.toMatchObject({
      statusCode: 504,
    });
  });

  it('should tell the callee how long it still waits (its deadline), and hand back a shed 503 without retrying it elsewhere', async () => {
    const budgets: number[] = [];
    const shedding = await up((q, r) => {
      budgets.push(Number(q.headers[DEADLINE_HEADER]));
      r.statusCode = 503;
      r.setHeader('retry-after', '1');
      r.end('{"statusCode":503}');
    });
    const f = fakeDiscovery([instance('a', shedding), instance('b', shedding)]);
    const res = await client(f.discovery, 1500).request('user-service', { method: 'GET', path: '/me' });
    // A retry on another instance would double the load on a fleet that is already refusing work.
    expect({ status: res.status, attempts: res.attempts, retryAfter: res.headers['retry-after'] }).toEqual({
      status: 503,
      attempts: 1,
      retryAfter: '1',
    });
    expect(budgets).toHaveLength(1);
    expect(budgets[0]).toBeGreaterThan(1000);
    expect(budgets[0]).toBeLessThanOrEqual(1500);
  });

  it("should leave out of the callee's deadline the time the request waited for a pooled socket", async () => {
    const budgets: number[] = [];
    const slow = await up((q, r) => {
      budgets.push(Number(q.headers[DEADLINE_HEADER]));
      setTimeout(() => r.end('ok'), 400);
    });
    const f = fakeDiscovery([instance('a', slow)]);
    const c = new ServiceClient(f.discovery, () => ({}) as SelectionStrategy, logger, { timeoutMs: 2000, maxSocketsPerInstance: 1 });
    closers.push(async () => c.close());
    // One socket: the second request waits ~400 ms in the agent's queue before its headers go out.
    const both = await Promise.all([
      c.request('user-service', { method: 'GET', path: '/1' }),
      c.request('user-service', { method: 'GET', path: '/2' }),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(budgets).toHaveLength(2);
    const [firstBudget = 0, secondBudget = Infinity] = budgets;
    expect(firstBudget).toBeGreaterThan(1800);
    expect(secondBudget).toBeLessThan(firstBudget - 300);
  });

  it('should answer NoInstanceError (503) when discovery knows no instance', async () => {
    const f = fakeDiscovery([]);
    await expect(client(f.discovery).request('user-service', { method: 'GET', path: '/me' })).rejects.toBeInstanceOf(NoInstanceError);
  });

  it('should count any answer, a 500 included, as the instance being alive (no retry, no ejection report)', async () => {
    const fails = await up((_q, r) => {
      r.statusCode = 500;
      r.end('boom');
    });
    const f = fakeDiscovery([instance('a', fails), instance('b', fails)]);
    const res = await client(f.discovery).request('user-service', { method: 'GET', path: '/me' });
    expect({ status: res.status, attempts: res.attempts }).toEqual({ status: 500, attempts: 1 });
    expect(f.reports).toEqual(['ok a']);
  });
});
