import {
  METRICS_IDENTITIES,
  metricsAuthorization,
  PROMETHEUS_PORT,
  REGISTRY_SD_PORT,
  REGISTRY_SD_ROUTE,
  SERVICE_NAMES,
  TRACE_IDENTITIES,
} from '@dsp/contracts';
import { eventually, serviceHeaders, spawnService, type SpawnedService } from '@dsp/testing';

const N = Number(process.env['ATTACK_REPEATS'] ?? 3);
const PROMETHEUS = `http://127.0.0.1:${process.env['STACK_PROMETHEUS_PORT'] ?? PROMETHEUS_PORT}`;
const REGISTRY_SD = `http://127.0.0.1:${process.env['STACK_REGISTRY_SD_PORT'] ?? REGISTRY_SD_PORT}`;

const basic = (user: string, password: string): Record<string, string> => ({ authorization: metricsAuthorization({ user, password }) });
const SCRAPER = basic(METRICS_IDENTITIES.scraper.user, METRICS_IDENTITIES.scraper.password);
const OPERATOR = basic(METRICS_IDENTITIES.operator.user, METRICS_IDENTITIES.operator.password);
/** The operator's Zipkin credentials: the same user name, another door's password. */
const ZIPKIN_OPERATOR = basic(TRACE_IDENTITIES.operator.user, TRACE_IDENTITIES.operator.password);

async function call(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { method, headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * The metrics plane trusts nobody it cannot identify (ADR 0022). Three doors,
 * each attack N times (ATTACK_REPEATS), each refusal beside the rightful
 * identity's success:
 * - a service's `/metrics`: only the scraper and (local profile) the operator;
 *   a caller with no credentials, a wrong password, another door's password or
 *   a service token gets 401 and no metric text;
 * - registry-sd's target list: only metrics identities;
 * - Prometheus: only the operator, with its admin and lifecycle APIs off, so
 *   even the operator cannot delete series or stop it.
 */
describe('attacks on the metrics plane are refused (real Prometheus, registry-sd and a service)', () => {
  let svc: SpawnedService;

  beforeAll(async () => {
    svc = await spawnService('user-service', { PORT: '0' }, 60_000);
  });

  afterAll(async () => {
    await svc?.stop();
  });

  it("should refuse a service's /metrics to anonymous, wrong, cross-door and service-token callers", async () => {
    const refused: [string, Record<string, string>][] = [
      ['anonymous', {}],
      ['the scraper with a guessed password', basic(METRICS_IDENTITIES.scraper.user, 'guessed')],
      ["the operator's Zipkin password", ZIPKIN_OPERATOR],
      ['a valid service token', serviceHeaders(SERVICE_NAMES.gateway, SERVICE_NAMES.user)],
      ['a bearer header', { authorization: 'Bearer x' }],
    ];
    for (let i = 0; i < N; i++) {
      for (const [who, headers] of refused) {
        const res = await call(`${svc.url}/metrics`, headers);
        expect({ who, status: res.status }).toEqual({ who, status: 401 });
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="metrics"/);
        expect(JSON.parse(res.text)).toMatchObject({ message: expect.stringContaining('prometheus') });
        expect(res.text).not.toContain('# HELP');
      }
      for (const headers of [SCRAPER, OPERATOR]) {
        const res = await call(`${svc.url}/metrics`, headers);
        expect(res.status).toBe(200);
        expect(res.text).toContain('# HELP');
      }
    }
  });

  it('should refuse the registry targets to anyone but a metrics identity', async () => {
    for (let i = 0; i < N; i++) {
      for (const headers of [{}, basic(METRICS_IDENTITIES.scraper.user, 'guessed'), ZIPKIN_OPERATOR]) {
        const res = await call(`${REGISTRY_SD}${REGISTRY_SD_ROUTE}`, headers);
        expect(res.status).toBe(401);
        expect(res.text).not.toContain(svc.url.replace('http://', ''));
      }
      const ok = await call(`${REGISTRY_SD}${REGISTRY_SD_ROUTE}`, SCRAPER);
      expect(ok.status).toBe(200);
      expect(Array.isArray(JSON.parse(ok.text))).toBe(true);
    }
  });

  it("should refuse Prometheus's UI and API to anonymous, the scraper and the Zipkin password, and answer the operator", async () => {
    for (let i = 0; i < N; i++) {
      for (const path of ['/api/v1/query?query=up', '/api/v1/targets', '/graph', '/metrics']) {
        for (const headers of [{}, SCRAPER, ZIPKIN_OPERATOR]) {
          const res = await call(`${PROMETHEUS}${path}`, headers);
          expect({ path, status: res.status }).toEqual({ path, status: 401 });
        }
      }
      const ok = await call(`${PROMETHEUS}/api/v1/query?query=up`, OPERATOR);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.text)).toMatchObject({ status: 'success' });
    }
  });

  it('should keep even the operator from deleting series, reloading or stopping Prometheus', async () => {
    const q = encodeURIComponent(`up{service="${SERVICE_NAMES.user}"}`);
    const upSeries = async () =>
      (JSON.parse((await call(`${PROMETHEUS}/api/v1/query?query=${q}`, OPERATOR)).text) as { data: { result: unknown[] } }).data.result
        .length;
    // The spawned instance is found through registry-sd and scraped: a series to try to delete.
    const before = await eventually(async () => {
      const n = await upSeries();
      if (n === 0) throw new Error('the spawned user-service is not scraped yet');
      return n;
    }, 30_000);
    for (let i = 0; i < N; i++) {
      const del = await call(`${PROMETHEUS}/api/v1/admin/tsdb/delete_series?match[]=up`, OPERATOR, 'POST');
      expect(del.status).toBeGreaterThanOrEqual(400);
      expect(del.text).toMatch(/admin APIs disabled/);
      for (const path of ['/-/quit', '/-/reload']) {
        const res = await call(`${PROMETHEUS}${path}`, OPERATOR, 'POST');
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
      }
    }
    expect((await call(`${PROMETHEUS}/-/ready`, OPERATOR)).status).toBe(200);
    expect(await upSeries()).toBe(before);
  }, 60_000);
});
