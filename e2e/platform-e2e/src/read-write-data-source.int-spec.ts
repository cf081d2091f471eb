import { DB_USERS, MYSQL_CLUSTERS } from '@dsp/contracts';
import { stackControl } from '@dsp/ops';
import { eventually, mysqlAdmin, testLogger } from '@dsp/testing';
import { GtidPosition, ReadWriteDataSource, SqlNode } from '@dsp/database';

const c0 = MYSQL_CLUSTERS[0];
const creds = { host: '127.0.0.1', user: DB_USERS.user.name, password: DB_USERS.user.password, database: 'user_db' };
const PROBE_MS = 200;
const MAX_LAG_MS = 800;
/** Write-then-read pairs while the replica's SQL thread is stopped (issue: 1,000). */
const LAG_PAIRS = Number(process.env['RW_LAG_PAIRS'] ?? 1000);
/** Values are unique per run: the probe table outlives test runs. */
const RUN = `${process.pid}-${Date.now()}`;

type Row = { sid: string; v: string | null };

describe('ReadWriteDataSource (real MariaDB, cluster 0)', () => {
  const logger = testLogger();
  let rw: ReadWriteDataSource;
  let primaryServerId: string;
  let replicaServerId: string;

  const insert = (v: string): Promise<{ result: string; gtid: GtidPosition }> =>
    rw.write(async (em) => {
      const r = (await em.query('INSERT INTO rw_probe (v) VALUES (?)', [v])) as { insertId: number | string };
      return String(r.insertId);
    });
  const readBack = (id: string, minPosition?: GtidPosition) =>
    rw.read(
      async (em, route) => {
        const rows = (await em.query('SELECT @@server_id AS sid, (SELECT v FROM rw_probe WHERE id = ?) AS v', [id])) as Row[];
        return { ...(rows[0] as Row), route };
      },
      { minPosition },
    );

  beforeAll(async () => {
    await mysqlAdmin.query(
      'mysql-c0-primary',
      'CREATE TABLE IF NOT EXISTS user_db.rw_probe (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64) NOT NULL)',
    );
    primaryServerId = String((await mysqlAdmin.query<{ s: string }>('mysql-c0-primary', 'SELECT @@server_id AS s'))[0]?.s);
    replicaServerId = String((await mysqlAdmin.query<{ s: string }>('mysql-c0-replica', 'SELECT @@server_id AS s'))[0]?.s);
    await eventually(async () => {
      expect(await mysqlAdmin.query('mysql-c0-replica', "SHOW TABLES FROM user_db LIKE 'rw_probe'")).toHaveLength(1);
    });
    rw = new ReadWriteDataSource(
      new SqlNode({ label: 'user_db:primary', port: c0.primaryPort, ...creds }, logger),
      [new SqlNode({ label: 'user_db:replica0', port: c0.replicaPort, ...creds }, logger)],
      logger,
      { name: 'user_db', probeIntervalMs: PROBE_MS, maxLagMs: MAX_LAG_MS },
    );
    await rw.start();
  });

  afterAll(async () => {
    await mysqlAdmin.startReplicaSql('mysql-c0-replica').catch(() => undefined);
    await rw?.close();
    await rw?.close();
  });

  describe('when the replica is healthy', () => {
    it('should serve reads from the replica (a different @@server_id) once the row has replicated', async () => {
      expect(primaryServerId).not.toBe(replicaServerId);
      const { result: id } = await insert('replicated');
      await eventually(async () => {
        await rw.monitor.probe();
        const r = await readBack(id);
        expect(r.route).toMatchObject({ role: 'replica', node: 'user_db:replica0' });
        expect(r.sid).toBe(replicaServerId);
        expect(r.v).toBe('replicated');
      });
    });

    it('should send writes and hinted reads to the primary', async () => {
      const { gtid } = await insert('hinted');
      expect(gtid.isEmpty()).toBe(false);
      const r = await ReadWriteDataSource.withPrimary(() => readBack('1'));
      expect(r.route.reason).toBe('hint');
      expect(r.sid).toBe(primaryServerId);
    });
  });

  describe("when the replica's SQL thread is stopped (real lag)", () => {
    it(`should never return a stale read after a write (${LAG_PAIRS} write+read pairs), exclude the replica within two probe intervals of crossing maxLag, and use it again once it catches up`, async () => {
      await mysqlAdmin.stopReplicaSql('mysql-c0-replica');
      const stoppedAt = Date.now();
      let stale = 0;
      let fromReplicaWithToken = 0;
      const untokenedReplicaReadsAt: number[] = [];
      try {
        for (let i = 0; i < LAG_PAIRS; i++) {
          const { result: id, gtid } = await insert(`lag-${RUN}-${i}`);
          const r = await readBack(id, gtid);
          if (r.v !== `lag-${RUN}-${i}`) stale++;
          if (r.route.role === 'replica') fromReplicaWithToken++;
          const plain = rw.route();
          if (plain.role === 'replica') untokenedReplicaReadsAt.push(Date.now());
        }
        // The replica really was behind: the last rows are not there.
        const missing = await mysqlAdmin.query('mysql-c0-replica', 'SELECT COUNT(*) AS n FROM user_db.rw_probe WHERE v = ?', [
          `lag-${RUN}-${LAG_PAIRS - 1}`,
        ]);
        expect(Number(missing[0]?.['n'])).toBe(0);
        expect(stale).toBe(0);
        expect(fromReplicaWithToken).toBe(0);
        const lastReplicaRead = untokenedReplicaReadsAt[untokenedReplicaReadsAt.length - 1] ?? stoppedAt;
        expect(lastReplicaRead - stoppedAt).toBeLessThanOrEqual(MAX_LAG_MS + 2 * PROBE_MS + 100);
        const status = rw.replicaStatus()[0];
        expect(status?.usable).toBe(false);
        expect(status?.reason).toMatch(/^lagging \d+ ms/);
      } finally {
        await mysqlAdmin.startReplicaSql('mysql-c0-replica');
      }
      await eventually(() => expect(rw.route()).toMatchObject({ role: 'replica' }), 15_000);
    });
  });

  describe('when the replica is killed (kill -9)', () => {
    it('should keep every read working from the primary, then return to the replica after it restarts', async () => {
      const { result: id, gtid } = await insert('through-a-crash');
      stackControl.kill('mysql-c0-replica');
      try {
        for (let i = 0; i < 200; i++) {
          const r = await readBack(id, i % 2 ? gtid : undefined);
          expect(r.v).toBe('through-a-crash');
        }
        await eventually(() => expect(rw.replicaStatus()[0]?.reason).toMatch(/^down:/), 5_000);
        expect(rw.route().role).toBe('primary');
      } finally {
        await stackControl.restart('mysql-c0-replica');
      }
      await eventually(async () => {
        const r = await readBack(id);
        expect(r.route.role).toBe('replica');
        expect(r.v).toBe('through-a-crash');
      }, 30_000);
    });
  });

  describe('when closed', () => {
    it('should refuse a second start', async () => {
      await expect(rw.start()).rejects.toThrow('start() called when STARTED');
    });
  });
});
