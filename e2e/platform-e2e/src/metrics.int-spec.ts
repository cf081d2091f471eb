import {
  counter,
  eventually,
  idemKey,
  mysqlAdmin,
  promQuery,
  promTargets,
  scrape,
  shopper,
  spawnService,
  startPlatform,
  type PlatformFleet,
  type SpawnedService,
} from '@dsp/testing';

/** Every series of one metric on an instance's `/metrics`: labels text -> value. */
async function series(svc: SpawnedService, name: string): Promise<Map<string, number>> {
  const text = await scrape(svc);
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const value = line.slice(line.lastIndexOf(' ') + 1);
    out.set(line.slice(name.length, line.lastIndexOf(' ')), value === '+Inf' ? Number.POSITIVE_INFINITY : Number(value));
  }
  return out;
}

const REPLICAS = ['mysql-c0-replica', 'mysql-c1-replica'];

/**
 * The metrics issue 16 asks for beside the HTTP ones (docs/telemetry.md "Metrics"): each
 * instance's ZooKeeper session state, replica lag and usability, DB pool use, Redis round trip
 * and the outbox backlog, read at scrape time from the real servers, and moving when the
 * servers do (a replica whose SQL thread is stopped lags and is excluded, then recovers).
 * The stack's Prometheus scrapes every instance it finds in the registry (registry-sd), and its
 * rules (infra/prometheus/rules.yml) raise ReplicaLagging while that replica lags.
 */
describe('the platform metrics (real services, ZooKeeper, MariaDB, Redis, Kafka)', () => {
  let fleet: PlatformFleet;
  let orders: SpawnedService;
  let users: SpawnedService;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1 });
    orders = fleet.orders[0] as SpawnedService;
    users = fleet.users[0] as SpawnedService;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(REPLICAS.map((r) => mysqlAdmin.startReplicaSql(r)));
    await fleet?.stop();
  });

  it('should report a connected ZooKeeper session, open pools, usable replicas and a Redis round trip', async () => {
    for (const svc of [orders, users]) {
      const zk = await series(svc, 'zookeeper_session_state');
      expect([...zk.entries()].filter(([, v]) => v === 1).map(([labels]) => /state="(\w+)"/.exec(labels)?.[1])).toEqual(['CONNECTED']);
      expect([...zk.values()].reduce((a, b) => a + b, 0)).toBe(1); // exactly one state at a time
      expect(await counter(svc, 'db_pool_connections', { state: 'open' })).toBeGreaterThanOrEqual(1);
      // A replica still applying what the suites before this one wrote is lagging, and rightly unusable for a
      // moment: the gauge must reach 1 for every replica once they caught up (the lagging case is the last test's).
      await eventually(async () => {
        const usable = await series(svc, 'db_replica_usable');
        expect(usable.size).toBeGreaterThanOrEqual(1);
        expect(Object.fromEntries(usable)).toEqual(Object.fromEntries([...usable.keys()].map((k) => [k, 1])));
      }, 20_000);
    }
    const redis = await scrape(users);
    expect(redis).toMatch(/^redis_up\{[^}]*\} 1$/m);
    const ping = /^redis_ping_seconds\{[^}]*\} (\S+)$/m.exec(redis)?.[1];
    expect(Number(ping)).toBeGreaterThan(0);
    expect(Number(ping)).toBeLessThan(1);
  });

  it('should count the outbox rows not yet published, per shard, and drain to 0 once the relay publishes an order', async () => {
    const before = await series(orders, 'outbox_backlog');
    expect(before.size).toBeGreaterThanOrEqual(2); // every shard table of both clusters
    const buyer = await shopper(fleet.gateway.url);
    const published = await counter(orders, 'outbox_published_total', {});
    const res = await buyer.client.post(
      '/api/orders',
      { items: [{ sku: 'SKU-MUG', quantity: 1 }] },
      { headers: { 'idempotency-key': idemKey() } },
    );
    expect(res.status).toBe(201);
    await eventually(async () => {
      expect(await counter(orders, 'outbox_published_total', {})).toBeGreaterThan(published);
      const now = await series(orders, 'outbox_backlog');
      expect([...now.values()].every((v) => v === 0)).toBe(true);
      expect([...(await series(orders, 'outbox_oldest_unpublished_seconds')).values()].every((v) => v === 0)).toBe(true);
    }, 20_000);
  });

  it('should be scraped by Prometheus, which finds each instance in the registry and drops it once it stops', async () => {
    const scraped = async (svc: SpawnedService) =>
      (await promTargets()).find((t) => t.scrapeUrl === `${svc.url}/metrics` && t.health === 'up');
    for (const svc of [orders, users]) {
      const target = await eventually(async () => {
        const t = await scraped(svc);
        if (t === undefined) throw new Error(`${svc.url} is not an up target yet`);
        return t;
      }, 30_000);
      expect(target.labels).toMatchObject({ job: svc.name, service: svc.name });
    }
    // The recording rules see the fleet's requests.
    await eventually(async () => {
      const rates = await promQuery(`service:http_requests:rate1m{service="${orders.name}"}`);
      expect(rates).toHaveLength(1);
    }, 30_000);
    // The instance label is the id the instance registered under, not its address.
    const extraId = `e2e-prom-${process.pid}`;
    const extra = await spawnService('user-service', { PORT: '0', INSTANCE_ID: extraId });
    try {
      const target = await eventually(async () => {
        const t = await scraped(extra);
        if (t === undefined) throw new Error(`${extra.url} is not an up target yet`);
        return t;
      }, 30_000);
      expect(target.labels).toMatchObject({ job: 'user-service', service: 'user-service', instance: extraId });
    } finally {
      await extra.stop();
    }
    await eventually(async () => {
      expect((await promTargets()).some((t) => t.scrapeUrl === `${extra.url}/metrics`)).toBe(false);
    }, 30_000);
  }, 150_000);

  it('should show a replica whose SQL thread stopped as lagging and excluded, then usable again once it applies', async () => {
    const buyer = await shopper(fleet.gateway.url); // registered while the replicas still apply
    await Promise.all(REPLICAS.map((r) => mysqlAdmin.stopReplicaSql(r)));
    try {
      // Written on a primary; the replica of its cluster receives it but applies nothing.
      const res = await buyer.client.post(
        '/api/orders',
        { items: [{ sku: 'SKU-MUG', quantity: 1 }] },
        { headers: { 'idempotency-key': idemKey() } },
      );
      expect(res.status).toBe(201);
      await eventually(async () => {
        const lag = await series(orders, 'db_replica_lag_seconds');
        const usable = await series(orders, 'db_replica_usable');
        const lagging = [...lag.entries()].filter(([, v]) => v > 2);
        expect(lagging.length).toBeGreaterThanOrEqual(1);
        for (const [labels] of lagging) expect(usable.get(labels)).toBe(0);
      }, 20_000);
      // Prometheus's rule fires once the lag has lasted its `for` (10 s).
      const firing = await eventually(
        async () => {
          const alerts = await promQuery('ALERTS{alertname="ReplicaLagging", alertstate="firing"}');
          if (alerts.length === 0) throw new Error('ReplicaLagging is not firing yet');
          return alerts;
        },
        45_000,
        1000,
      );
      expect(firing[0]?.metric).toMatchObject({ severity: 'warn', source: expect.any(String), replica: expect.any(String) });
    } finally {
      await Promise.all(REPLICAS.map((r) => mysqlAdmin.startReplicaSql(r)));
    }
    await eventually(async () => {
      const usable = await series(orders, 'db_replica_usable');
      expect([...usable.values()].every((v) => v === 1)).toBe(true);
      expect([...(await series(orders, 'db_replica_lag_seconds')).values()].every((v) => v < 2)).toBe(true);
    }, 20_000);
  });
});
