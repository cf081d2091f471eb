/**
 * What the service-token check costs (ADR 0012): one fastify route behind
 * `installServiceAuth` (the gateway's token, verified once, then remembered)
 * next to the same route on a fastify without it, both in this process,
 * driven by autocannon in alternating rounds (the median of 3 is reported).
 */
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { HTTP_IDENTITIES, SERVICE_TOKEN_HEADER } from '@dsp/contracts';
import { createJsonLogger, installServiceAuth, MetricsRegistry, ServiceTokenSigner } from '@dsp/service-defaults';
import type { Pair } from './references';

const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

function cannon(url: string, headers: Record<string, string>, connections: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) =>
    autocannon({ url, headers, connections, duration: seconds }, (err, r) => (err ? reject(err) : resolve(r.requests.average))),
  );
}

async function server(guarded: boolean): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  if (guarded) installServiceAuth(app, 'user-service', 'every-route', logger, new MetricsRegistry('bench', 'bench'));
  app.get('/api/users/me', async () => ({ id: '1', username: 'bench' }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `${url}/api/users/me` };
}

export async function serviceTokenCostPair(connections = 32, seconds = 3): Promise<Pair> {
  const [withAuth, without] = await Promise.all([server(true), server(false)]);
  const token = new ServiceTokenSigner('gateway', HTTP_IDENTITIES.gateway.privateKey).tokenFor('user-service');
  const headers = { [SERVICE_TOKEN_HEADER]: token };
  try {
    const probe = await fetch(withAuth.url, { headers });
    if (probe.status !== 200) throw new Error(`the guarded route answered ${probe.status} to the gateway's token`);
    const rates = { auth: [] as number[], bare: [] as number[] };
    for (let round = 0; round < 3; round++) {
      rates.auth.push(await cannon(withAuth.url, headers, connections, seconds));
      rates.bare.push(await cannon(without.url, headers, connections, seconds));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
    return {
      area: 'http',
      ours: {
        what: `a fastify route behind installServiceAuth (gateway token), ${connections} connections`,
        opsPerSec: median(rates.auth),
      },
      reference: { what: 'the same route without the check, same process', opsPerSec: median(rates.bare) },
    };
  } finally {
    await Promise.all([withAuth.app.close(), without.app.close()]);
  }
}
