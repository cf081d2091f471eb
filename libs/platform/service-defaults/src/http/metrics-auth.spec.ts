import Fastify, { type FastifyInstance } from 'fastify';
import { METRICS_IDENTITIES, metricsAuthorization } from '@dsp/contracts';
import { identifyBasic, parseBasicAuth } from './basic-credentials';
import { metricsGuard, metricsReaders } from './metrics-auth';

const SCRAPER = { user: 'prometheus', password: 'scrape-pw', may: 'scrape' as const };
const OPERATOR = { user: 'dsp-operator', password: 'op-pw', may: 'read' as const };

function app(readers = [SCRAPER, OPERATOR]): FastifyInstance {
  const f = Fastify();
  const mayRead = metricsGuard(readers);
  let rendered = 0;
  f.get('/metrics', async (req, reply) => {
    if (!mayRead(req, reply)) return reply;
    rendered++;
    return reply.send(`rendered ${rendered}\n`);
  });
  return f;
}

const basic = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`;

describe('basic credentials', () => {
  it('should split user and password at the first colon, and say why a header is not basic credentials', () => {
    expect(parseBasicAuth(basic('prometheus:a:b'))).toEqual({ user: 'prometheus', password: 'a:b' });
    for (const h of [undefined, '', 'Bearer x', basic('no-colon'), basic(':pw'), 'Basic !!!'])
      expect(parseBasicAuth(h)).toHaveProperty('malformed');
  });

  it('should identify only a matching user and password pair', () => {
    expect(identifyBasic({ user: 'prometheus', password: 'scrape-pw' }, [SCRAPER, OPERATOR])).toBe(SCRAPER);
    expect(identifyBasic({ user: 'prometheus', password: 'op-pw' }, [SCRAPER, OPERATOR])).toBeUndefined();
    expect(identifyBasic({ user: 'nobody', password: 'scrape-pw' }, [SCRAPER, OPERATOR])).toBeUndefined();
  });
});

describe('metricsGuard', () => {
  it('should render for the scraper and the operator', async () => {
    const f = app();
    for (const id of [SCRAPER, OPERATOR]) {
      const res = await f.inject({ method: 'GET', url: '/metrics', headers: { authorization: metricsAuthorization(id) } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^rendered \d/);
    }
  });

  it('should answer 401 with WWW-Authenticate and the reason, without rendering, to anyone else', async () => {
    const f = app();
    for (const authorization of [undefined, basic('prometheus:wrong'), basic('gateway:scrape-pw'), 'Bearer scrape-pw']) {
      const res = await f.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="metrics", charset="UTF-8"');
      expect(res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(res.json().message).toContain('prometheus or dsp-operator');
    }
    const ok = await f.inject({ method: 'GET', url: '/metrics', headers: { authorization: metricsAuthorization(SCRAPER) } });
    expect(ok.body).toBe('rendered 1\n');
  });
});

describe('metricsReaders', () => {
  it('should admit the scraper with METRICS_PASSWORD, and the operator on the local profile only', () => {
    const prod = metricsReaders({ production: true, scraperPassword: 'set-by-ops' });
    expect(prod).toEqual([{ user: 'prometheus', password: 'set-by-ops', may: 'scrape' }]);
    const local = metricsReaders({ production: false, scraperPassword: undefined });
    expect(local.map((r) => r.user)).toEqual(['prometheus', 'dsp-operator']);
    expect(local[0]?.password).toBe(METRICS_IDENTITIES.scraper.password);
  });

  it('should not ask for any local-stack secret under PLATFORM_PROFILE=production', () => {
    const before = process.env['PLATFORM_PROFILE'];
    process.env['PLATFORM_PROFILE'] = 'production';
    try {
      const prod = metricsReaders({ production: true, scraperPassword: 'set-by-ops' });
      expect(prod.map((r) => `${r.user}:${r.password}`)).toEqual(['prometheus:set-by-ops']);
    } finally {
      if (before === undefined) delete process.env['PLATFORM_PROFILE'];
      else process.env['PLATFORM_PROFILE'] = before;
    }
  });
});
