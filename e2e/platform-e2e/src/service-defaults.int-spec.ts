import { randomUUID } from 'node:crypto';
import { HTTP_IDENTITIES, METRICS_IDENTITIES, metricsAuthorization, znodePaths } from '@dsp/contracts';
import {
  connectedZk,
  eventually,
  kafkaProbe,
  launchService,
  serviceHeaders,
  spawnService,
  type ServiceName,
  type SpawnedService,
} from '@dsp/testing';

/** What each service's readiness depends on: its primaries and coordination, not replicas (a down replica only moves reads to the primary). */
const EXPECTED_CHECKS: Record<ServiceName, string[]> = {
  gateway: ['redis', 'zookeeper'],
  'user-service': ['mysql:user_db:primary', 'redis', 'zookeeper'],
  'order-service': ['kafka', 'mysql:order_db_0:primary', 'mysql:order_db_1:primary', 'redis', 'zookeeper'],
  // @dsp/workspace:service readiness-checks
};

/** The consumer groups each service joins (its Kafka client id is its instance id). */
const CONSUMER_GROUPS: Record<ServiceName, string[]> = {
  gateway: [],
  'user-service': ['user-service.order-stats'],
  'order-service': ['order-service.intake', 'order-service.flash-sale'],
  // @dsp/workspace:service consumer-groups
};

async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe.each(Object.keys(EXPECTED_CHECKS) as ServiceName[])('%s (service defaults)', (name) => {
  let svc: SpawnedService;

  beforeAll(async () => {
    // PORT=0 everywhere: instances take a free port (the gateway's default 8080 may be in use by `npm start`).
    svc = await spawnService(name, { PORT: '0' });
  });

  afterAll(async () => {
    await svc?.stop();
  });

  describe('when its dependencies answer', () => {
    it('should be live and, once every dependency answers, ready with each check named', async () => {
      expect((await getJson(`${svc.url}/health/live`)).status).toBe(200);
      let ready = await getJson(`${svc.url}/health/ready`);
      for (let i = 0; i < 50 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        ready = await getJson(`${svc.url}/health/ready`);
      }
      expect(ready.status).toBe(200);
      expect(ready.body['status']).toBe('ready');
      const checks = ready.body['checks'] as Record<string, { status: string }>;
      expect(Object.keys(checks).sort()).toEqual(EXPECTED_CHECKS[name]);
      expect(Object.values(checks).every((c) => c.status === 'up')).toBe(true);
    });

    it('should echo a given x-request-id and generate one otherwise', async () => {
      const given = await getJson(`${svc.url}/health/live`, { 'x-request-id': 'req-e2e-42' });
      expect(given.headers.get('x-request-id')).toBe('req-e2e-42');
      const generated = await getJson(`${svc.url}/health/live`);
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('should refuse its metrics to a caller without the credentials of a metrics identity', async () => {
      const anonymous = await fetch(`${svc.url}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
      expect(await anonymous.text()).not.toContain('http_requests_total');
      const wrong = await fetch(`${svc.url}/metrics`, {
        headers: { authorization: metricsAuthorization({ user: METRICS_IDENTITIES.scraper.user, password: 'not-it' }) },
      });
      expect(wrong.status).toBe(401);
    });

    it('should expose Prometheus metrics that count the requests it served', async () => {
      await fetch(`${svc.url}/health/live`);
      const res = await fetch(`${svc.url}/metrics`, { headers: { authorization: metricsAuthorization(METRICS_IDENTITIES.scraper) } });
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('http_requests_total{') && l.includes('route="/health/live"') && l.includes('status="200"'));
      expect(line).toBeDefined();
      expect(line).toContain(`service="${name}"`);
      expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
      expect(text).toContain('process_cpu_user_seconds_total');
    });

    it('should answer an unknown route with a JSON 404 {statusCode, error, message}', async () => {
      const res = await getJson(`${svc.url}/api/no/such/route`, serviceHeaders('gateway', name));
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    });
  });

  describe('when it receives SIGTERM', () => {
    it('should log only JSON lines, leave its consumer groups (their partitions move at once), and exit 0 promptly', async () => {
      const instance = String(jsonLines(name, svc.output())[0]?.['instance']);
      const groups = CONSUMER_GROUPS[name];
      const all = (v: boolean): Record<string, boolean> => Object.fromEntries(groups.map((g) => [g, v]));
      // Joined first (a join can wait out a member that died earlier: up to its 10 s session).
      await eventually(async () => expect(await kafkaProbe.memberships(groups, instance)).toEqual(all(true)), 30_000, 250);
      const t0 = Date.now();
      const code = await svc.stop();
      // On failure, show what the process wrote: the exit code alone does not say why.
      expect({ code, output: code === 0 ? '' : svc.output() }).toEqual({ code: 0, output: '' });
      expect(Date.now() - t0).toBeLessThan(5000);
      const parsed = jsonLines(name, svc.output());
      expect(parsed.some((p) => p['msg'] === 'shut down' && p['result'] === 'closed')).toBe(true);
      // Left, not dropped: a member that exits without LeaveGroup stays listed until its session times out.
      expect(await kafkaProbe.memberships(groups, instance)).toEqual(all(false));
    });
  });
});

/** Every line is a JSON log line of this service; returns them parsed. */
function jsonLines(name: ServiceName, output: string): Record<string, unknown>[] {
  const parsed = output
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const p of parsed)
    expect(p).toMatchObject({ level: expect.any(String), time: expect.any(String), service: name, msg: expect.any(String) });
  return parsed;
}

describe.each(Object.keys(EXPECTED_CHECKS) as ServiceName[])('%s (SIGTERM during boot)', (name) => {
  describe('when SIGTERM arrives before it listens (its connections and consumers still starting)', () => {
    it('should finish booting, then shut down gracefully: exit 0, JSON lines only, no registration left behind', async () => {
      const instanceId = `boot-term-${name}-${randomUUID().slice(0, 8)}`;
      const svc = launchService(name, { PORT: '0', INSTANCE_ID: instanceId });
      let signalled = false;
      svc.onOutput((out) => {
        if (!signalled && out.includes('Starting Nest application')) {
          signalled = true;
          svc.child.kill('SIGTERM');
        }
      });
      const killer = setTimeout(() => svc.child.kill('SIGKILL'), 20_000);
      const code = await svc.exited;
      clearTimeout(killer);
      expect(signalled).toBe(true);
      // Before the fix: the default SIGTERM action (exit code null) or an unhandled rejection from a consumer interrupted while joining (1).
      expect({ code, output: code === 0 ? '' : svc.output() }).toEqual({ code: 0, output: '' });
      const parsed = jsonLines(name, svc.output());
      expect(parsed.some((p) => p['msg'] === 'signal received' && p['signal'] === 'SIGTERM')).toBe(true);
      expect(parsed.some((p) => p['msg'] === 'shut down' && p['result'] === 'closed')).toBe(true);
      const zk = await connectedZk();
      try {
        await zk.sync(znodePaths.service(name));
        expect(await zk.exists(znodePaths.serviceInstance(name, instanceId))).toBeNull();
      } finally {
        await zk.close();
      }
    });
  });
});

describe('service configuration (all services)', () => {
  describe('when a variable is invalid', () => {
    it.each([
      ['gateway', { PORT: '70000' }, 'PORT'],
      ['user-service', { USER_DB_PRIMARY: 'not-a-host-port' }, 'USER_DB_PRIMARY'],
      ['order-service', { KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS'],
      ['gateway', { ZK_CONNECT: 'nope' }, 'ZK_CONNECT'],
      // A signing key no verifier trusts: every call it signed would be refused, so it does not start.
      ['user-service', { HTTP_PRIVATE_KEY: HTTP_IDENTITIES['order-service'].privateKey }, 'HTTP_PRIVATE_KEY'],
      ['order-service', { HTTP_PUBLIC_KEYS: '{"gateway":"not-a-list"}' }, 'HTTP_PUBLIC_KEYS'],
    ] as const)('%s should stop with exit code 78 and name %j', async (name, env, variable) => {
      await expect(spawnService(name, env, 10_000)).rejects.toThrow(new RegExp(`exited with 78[\\s\\S]*- ${variable}:`));
    });
  });

  describe('when PLATFORM_PROFILE=production and a secret is left at its local default', () => {
    it('should refuse to start and name the secret', async () => {
      await expect(spawnService('order-service', { PLATFORM_PROFILE: 'production' }, 10_000)).rejects.toThrow(
        /exited with 78[\s\S]*ORDER_DB_PASSWORD: must be set explicitly/,
      );
    });

    it("should refuse the local admin token and config writer's password in the gateway too", async () => {
      const failure = spawnService('gateway', { PLATFORM_PROFILE: 'production', PORT: '0' }, 10_000);
      await expect(failure).rejects.toThrow(/exited with 78[\s\S]*ADMIN_TOKEN: must be set explicitly/);
      await expect(failure).rejects.toThrow(/ZK_PASSWORD: must be set explicitly/);
    });
  });

  describe('when a dependency does not answer', () => {
    it('should stay live but report not-ready, naming the dependency that is down', async () => {
      const svc = await spawnService('gateway', { PORT: '0', REDIS_URL: 'redis://127.0.0.1:1', READINESS_TIMEOUT_MS: '500' });
      try {
        expect((await fetch(`${svc.url}/health/live`)).status).toBe(200);
        const ready = await getJson(`${svc.url}/health/ready`);
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({ status: 'not-ready', checks: { redis: { status: 'down' } } });
      } finally {
        await svc.stop();
      }
    });
  });
});
