import Fastify, { type FastifyInstance } from 'fastify';
import { HTTP_IDENTITIES, SERVICE_TOKEN_HEADER } from '@dsp/contracts';
import { createJsonLogger } from '../logging/json-logger';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { installServiceAuth, serviceCallerOf, type ServiceAuthMode } from './service-auth';
import { ServiceTokenSigner } from './service-token';

const logger = createJsonLogger({ service: 'test', instanceId: 'test', level: 'silent' });
const token = (caller: 'gateway' | 'order-service', aud: string) =>
  new ServiceTokenSigner(caller, HTTP_IDENTITIES[caller].privateKey).tokenFor(aud);

function app(self: string, mode: ServiceAuthMode): FastifyInstance {
  const f = Fastify();
  installServiceAuth(f, self, mode, logger, new MetricsRegistry(self, 't'));
  const echo = async (req: Parameters<typeof serviceCallerOf>[0]) => ({ caller: serviceCallerOf(req) ?? null });
  for (const url of ['/api/sessions', '/internal/users/:id', '/internal/config', '/health/live', '/metrics']) f.all(url, echo);
  return f;
}

describe('installServiceAuth', () => {
  const users = app('user-service', 'every-route');
  const gateway = app('gateway', 'internal-only');
  afterAll(() => Promise.all([users.close(), gateway.close()]));

  it('should let a caller through to a route it has the right to, and tell the handler who called', async () => {
    const r = await users.inject({
      method: 'GET',
      url: '/internal/users/7?x=1',
      headers: { [SERVICE_TOKEN_HEADER]: token('order-service', 'user-service') },
    });
    expect({ status: r.statusCode, body: r.json() }).toEqual({ status: 200, body: { caller: 'order-service' } });
  });

  it('should answer 401 without a token and 403 to a caller without the right, before the handler', async () => {
    const none = await users.inject({ method: 'POST', url: '/api/sessions' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining(SERVICE_TOKEN_HEADER) });
    const wrong = await users.inject({
      method: 'POST',
      url: '/api/sessions',
      headers: { [SERVICE_TOKEN_HEADER]: token('order-service', 'user-service') },
    });
    expect(wrong.statusCode).toBe(403);
  });

  it('should judge a percent-encoded or absolute-form target by the route it reaches', async () => {
    for (const url of ['/%69nternal/config', '/%2Finternal/config', 'http://x/internal/config', '/internal%2Fconfig', '/INTERNAL/config']) {
      const r = await gateway.inject({ method: 'PUT', url });
      expect({ url, status: r.statusCode }).toEqual({ url, status: 404 });
      expect({ url, status: (await users.inject({ method: 'GET', url })).statusCode }).toEqual({ url, status: 401 });
    }
    const encoded = await users.inject({
      method: 'GET',
      url: '/%69nternal/users/7',
      headers: { [SERVICE_TOKEN_HEADER]: token('gateway', 'user-service') },
    });
    expect(encoded.statusCode).toBe(403);
  });

  it('should leave health open and metrics to their own identities (no service token asked)', async () => {
    expect((await users.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await users.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });

  it("should guard only /internal/* on the gateway, answering 404 to anyone but the gateway's own token", async () => {
    expect((await gateway.inject({ method: 'POST', url: '/api/sessions' })).statusCode).toBe(200);
    expect((await gateway.inject({ method: 'GET', url: '/internal/config' })).statusCode).toBe(404);
    const other = await gateway.inject({
      method: 'GET',
      url: '/internal/config',
      headers: { [SERVICE_TOKEN_HEADER]: token('order-service', 'gateway') },
    });
    expect(other.statusCode).toBe(404);
    const own = await gateway.inject({
      method: 'GET',
      url: '/internal/config',
      headers: { [SERVICE_TOKEN_HEADER]: token('gateway', 'gateway') },
    });
    expect(own.json()).toEqual({ caller: 'gateway' });
  });
});
