import { stackControl } from '@dsp/ops';
import {
  counter,
  eventually,
  mysqlAdmin,
  physicalIds,
  placeOrder,
  shopper,
  startPlatform,
  type PlatformFleet,
  type Shopper,
  type SpawnedService,
} from '@dsp/testing';

/** POST-then-GET pairs with the replica's SQL thread stopped (issue: 1,000). */
const LAG_PAIRS = Number(process.env['ORDERS_LAG_PAIRS'] ?? 1000);
const PROBE_MS = 250;
const MAX_LAG_MS = 1000;

describe('orders under replication faults (real MariaDB: lag, replica kill, primary kill)', () => {
  let fleet: PlatformFleet;
  let os: SpawnedService;
  let onDb0: Shopper;
  let onDb1: Shopper;

  const replicaReads = (db: 'order_db_0' | 'order_db_1'): Promise<number> =>
    counter(os, 'db_reads_total', { source: db, node: `${db}:replica0` });

  beforeAll(async () => {
    // One order-service instance, so its metrics count every read.
    fleet = await startPlatform({
      users: 1,
      orders: 1,
      orderEnv: { DB_PROBE_INTERVAL_MS: String(PROBE_MS), DB_MAX_REPLICA_LAG_MS: String(MAX_LAG_MS) },
    });
    os = fleet.orders[0] as SpawnedService;
    onDb0 = await shopper(fleet.gateway.url, 0);
    onDb1 = await shopper(fleet.gateway.url, 1);
  });

  afterAll(async () => {
    await mysqlAdmin.startReplicaSql('mysql-c0-replica').catch(() => undefined);
    await fleet?.stop();
  });

  describe('when reads are healthy', () => {
    it('should serve a listing from the replica once it has the data', async () => {
      await placeOrder(onDb0);
      await eventually(async () => {
        const r = await onDb0.client.get('/api/orders');
        expect(r.headers.get('x-db-route')).toBe('order_db_0:replica0;replica');
      }, 10_000);
    });
  });

  describe("when order_db_0's replica stops applying (SQL thread stopped)", () => {
    it(`should return every order right after its POST (${LAG_PAIRS} pairs, 0 stale), give the lagging replica 0 reads within two probe intervals of crossing maxLag, and use it again after it catches up`, async () => {
      const bystander = await shopper(fleet.gateway.url, 0);
      await mysqlAdmin.stopReplicaSql('mysql-c0-replica');
      const stoppedAt = Date.now();
      let stale = 0;
      let cutoffReads: number | undefined;
      const cutoffAt = stoppedAt + MAX_LAG_MS + 2 * PROBE_MS;
      try {
        for (let i = 0; i < LAG_PAIRS; i++) {
          const created = await placeOrder(onDb0);
          expect(created.status).toBe(201);
          const read = await onDb0.client.get<{ id: string }>(`/api/orders/${created.body.id}`);
          if (read.status !== 200 || read.body.id !== created.body.id) stale++;
          // A reader without writes of its own (no read position) is served by any usable replica.
          await bystander.client.get('/api/orders');
          if (cutoffReads === undefined && Date.now() >= cutoffAt) cutoffReads = await replicaReads('order_db_0');
        }
        const endReads = await replicaReads('order_db_0');
        process.stdout.write(
          `lag: ${LAG_PAIRS} POST+GET pairs, ${stale} stale; replica reads at cutoff ${cutoffReads}, at end ${endReads}\n`,
        );
        expect(stale).toBe(0);
        expect(cutoffReads).toBeDefined();
        expect(endReads).toBe(cutoffReads);
        // The replica really is behind: it lacks this user's newest orders.
        const table = `order_db_0.orders_${(BigInt(onDb0.id) / 2n) % 2n}`;
        const count = async (server: string) =>
          Number((await mysqlAdmin.query(server, `SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`, [onDb0.id]))[0]?.['n']);
        expect(await count('mysql-c0-replica')).toBeLessThan(await count('mysql-c0-primary'));
      } finally {
        await mysqlAdmin.startReplicaSql('mysql-c0-replica');
      }
      const before = await replicaReads('order_db_0');
      await eventually(async () => {
        await bystander.client.get('/api/orders');
        expect(await replicaReads('order_db_0')).toBeGreaterThan(before);
      }, 15_000);
    });
  });

  describe("when order_db_1's replica is killed (kill -9)", () => {
    it('should keep every read working from the primary, then read from the replica again after it restarts', async () => {
      const created = await placeOrder(onDb1);
      stackControl.kill('mysql-c1-replica');
      try {
        for (let i = 0; i < 100; i++) {
          expect((await onDb1.client.get(`/api/orders/${created.body.id}`)).status).toBe(200);
          expect((await onDb1.client.get('/api/orders')).status).toBe(200);
        }
      } finally {
        await stackControl.restart('mysql-c1-replica');
      }
      const before = await replicaReads('order_db_1');
      await eventually(async () => {
        await onDb1.client.get('/api/orders');
        expect(await replicaReads('order_db_1')).toBeGreaterThan(before);
      }, 30_000);
    });
  });

  describe("when cluster 1's primary is down (kill -9)", () => {
    it('should answer 503 within 1 s for orders routed there, keep cluster 0 working, and write nothing to the wrong shard', async () => {
      const before0 = await physicalIds('mysql-c0-primary', 'order_db_0', `orders_${(BigInt(onDb1.id) / 2n) % 2n}`, 'user_id = ?', [
        onDb1.id,
      ]);
      stackControl.kill('mysql-c1-primary');
      try {
        for (let i = 0; i < 20; i++) {
          const t0 = Date.now();
          const r = await placeOrder(onDb1);
          const ms = Date.now() - t0;
          expect(r.status).toBe(503);
          expect(ms).toBeLessThan(1_000);
          expect((await placeOrder(onDb0)).status).toBe(201);
        }
        expect(
          await physicalIds('mysql-c0-primary', 'order_db_0', `orders_${(BigInt(onDb1.id) / 2n) % 2n}`, 'user_id = ?', [onDb1.id]),
        ).toEqual(before0);
      } finally {
        await stackControl.restart('mysql-c1-primary');
      }
      await eventually(async () => expect((await placeOrder(onDb1)).status).toBe(201), 30_000);
    });
  });
});
