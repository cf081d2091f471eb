import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEADLINE_HEADER, HTTP_IDENTITIES, SERVICE_TOKEN_HEADER } from '@dsp/contracts';
import { createJsonLogger } from '../logging/json-logger';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { installAdmission } from './admission';
import { AdmissionGate } from './admission-gate';
import { installServiceAuth, type ServiceAuthMode } from './service-auth';
import { ServiceTokenSigner } from './service-token';

const logger = createJsonLogger({ service: 'test', instanceId: 'test', level: 'silent' });
const gatewaySigner = new ServiceTokenSigner('gateway', HTTP_IDENTITIES.gateway.privateKey);
/** What the gateway sends order-service: its service token, and whatever else. */
const fromGateway = (h: Record<string, string> = {}): Record<string, string> => ({
  [SERVICE_TOKEN_HEADER]: gatewaySigner.tokenFor('order-service'),
  ...h,
});

/** A server whose `/work` handler holds its slot until the test lets it go, on a real socket (the gate frees a slot on the response's `close`). */
async function server(
  gate: AdmissionGate,
  auth: ServiceAuthMode = 'every-route',
): Promise<{ f: FastifyInstance; url: string; metrics: MetricsRegistry; ran: string[]; finish: () => void }> {
  const f = Fastify();
  const metrics = new MetricsRegistry('test', 't');
  installServiceAuth(f, auth === 'every-route' ? 'order-service' : 'gateway', auth, logger, metrics);
  installAdmission(f, gate, logger, metrics);
  const ran: string[] = [];
  let letGo: (() => void)[] = [];
  f.post('/api/work', async (req) => {
    ran.push(String(req.headers['x-n']));
    await new Promise<void>((r) => letGo.push(r));
    return { done: true };
  });
  f.get('/health/live', async () => ({ status: 'live' }));
  f.get('/health/ready', async () => ({ status: 'ready' }));
  f.get('/metrics', async () => metrics.render());
  const url = await f.listen({ port: 0, host: '127.0.0.1' });
  const finish = (): void => {
    const all = letGo;
    letGo = [];
    for (const r of all) r();
  };
  return { f, url, metrics, ran, finish };
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error('condition not reached');
};

describe('installAdmission', () => {
  it('answers the excess a fast 503 with Retry-After before its handler runs, and serves it once a slot frees', async () => {
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 50 });
    const { f, url, metrics, ran, finish } = await server(gate);
    try {
      const first = fetch(`${url}/api/work`, {
        method: 'POST',
        headers: fromGateway({ 'x-n': '1', 'content-type': 'application/json' }),
        body: '{}',
      });
      await until(() => ran.length === 1);
      const t0 = Date.now();
      const second = await fetch(`${url}/api/work`, {
        method: 'POST',
        headers: fromGateway({ 'x-n': '2', 'content-type': 'application/json' }),
        body: '{}',
      });
      expect(second.status).toBe(503);
      expect(second.headers.get('retry-after')).toBe('1');
      expect(await second.json()).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.stringMatching(/^overloaded: no slot freed up in time/),
      });
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(ran).toEqual(['1']);
      // Probes are never gated, even with every slot taken.
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      expect(await metrics.render()).toMatch(/http_requests_shed_total\{reason="queue-timeout",service="test",instance="t"\} 1/);
      finish();
      expect((await first).status).toBe(200);
      await until(() => gate.inFlight === 0);
      const third = fetch(`${url}/api/work`, {
        method: 'POST',
        headers: fromGateway({ 'x-n': '3', 'content-type': 'application/json' }),
        body: '{}',
      });
      await until(() => ran.length === 2);
      finish();
      expect((await third).status).toBe(200);
    } finally {
      finish();
      await f.close();
    }
  });

  it("honours the caller's deadline header, and answers a malformed one 400", async () => {
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 10_000 });
    const { f, url, ran, finish } = await server(gate);
    try {
      const bad = await fetch(`${url}/api/work`, { method: 'POST', headers: fromGateway({ [DEADLINE_HEADER]: '-5' }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toContain(DEADLINE_HEADER);
      const first = fetch(`${url}/api/work`, { method: 'POST', headers: fromGateway({ 'x-n': '1' }) });
      await until(() => ran.length === 1);
      const t0 = Date.now();
      const late = await fetch(`${url}/api/work`, { method: 'POST', headers: fromGateway({ 'x-n': '2', [DEADLINE_HEADER]: '40' }) });
      expect(late.status).toBe(503);
      expect(((await late.json()) as { message: string }).message).toContain('deadline');
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(ran).toEqual(['1']);
      finish();
      expect((await first).status).toBe(200);
    } finally {
      finish();
      await f.close();
    }
  });

  it('ignores the deadline header of a caller no service token identified (a public client at the gateway)', async () => {
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 10_000 });
    const { f, url, ran, finish } = await server(gate, 'internal-only');
    try {
      const garbage = fetch(`${url}/api/work`, { method: 'POST', headers: { 'x-n': 'public', [DEADLINE_HEADER]: 'soon' } });
      await until(() => ran.length === 1);
      finish();
      expect((await garbage).status).toBe(200);
    } finally {
      finish();
      await f.close();
    }
  });

  it('frees the slots of pipelined requests whose connection closed before their responses began', async () => {
    const gate = new AdmissionGate({ maxInFlight: 4, maxQueueMs: 10_000 });
    const { f, url, ran, finish } = await server(gate);
    try {
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((r) => socket.once('connect', () => r()));
      const one = (n: number): string =>
        `POST /api/work HTTP/1.1\r\nhost: x\r\nx-n: p${n}\r\n${SERVICE_TOKEN_HEADER}: ${gatewaySigner.tokenFor('order-service')}\r\ncontent-length: 0\r\n\r\n`;
      // Three requests in one write: Node parses all three, and the second and third wait behind the first's response.
      socket.write(one(1) + one(2) + one(3));
      await until(() => ran.length >= 1 && gate.inFlight === 3);
      socket.destroy();
      await until(() => gate.inFlight === 0);
      finish();
    } finally {
      finish();
      await f.close();
    }
  });

  it('never gates the probes or /metrics', async () => {
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 0 });
    const { f, url, metrics, ran, finish } = await server(gate);
    try {
      const first = fetch(`${url}/api/work`, { method: 'POST', headers: fromGateway({ 'x-n': '1' }) });
      await until(() => ran.length === 1);
      for (const path of ['/health/live', '/health/ready', '/metrics']) expect((await fetch(`${url}${path}`)).status).toBe(200);
      expect((await fetch(`${url}/api/work`, { method: 'POST', headers: fromGateway({ 'x-n': '2' }) })).status).toBe(503);
      expect(await metrics.render()).toMatch(/http_admission_in_flight\{[^}]*\} 1/);
      finish();
      expect((await first).status).toBe(200);
    } finally {
      finish();
      await f.close();
    }
  });

  it('frees the slot of a caller that hung up while it waited', async () => {
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 10_000 });
    const { f, url, ran, finish } = await server(gate);
    try {
      const first = fetch(`${url}/api/work`, { method: 'POST', headers: fromGateway({ 'x-n': '1' }) });
      await until(() => ran.length === 1);
      const quitter = new AbortController();
      const gone = fetch(`${url}/api/work`, { method: 'POST', headers: fromGateway({ 'x-n': 'quitter' }), signal: quitter.signal }).catch(
        () => 'aborted',
      );
      await until(() => gate.queued === 1);
      quitter.abort();
      expect(await gone).toBe('aborted');
      await new Promise((r) => setTimeout(r, 50));
      finish();
      expect((await first).status).toBe(200);
      // The quitter was granted the slot and gave it straight back: its handler never ran.
      await until(() => gate.inFlight === 0);
      expect(ran).toEqual(['1']);
    } finally {
      finish();
      await f.close();
    }
  });
});
