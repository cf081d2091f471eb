import { randomUUID } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import { DB_USERS } from '@dsp/contracts';
import { eventually } from '@dsp/testing';
import { MYSQL_INSTANCES, type MysqlInstanceSpec, replicaState } from '@dsp/infra-stack';

function connect(s: MysqlInstanceSpec, user: { name: string; password: string }, database?: string): Promise<Connection> {
  return createConnection({ host: '127.0.0.1', port: s.port, user: user.name, password: user.password, database });
}

const primaries = MYSQL_INSTANCES.filter((s) => s.role === 'primary');
const replicaOf = (p: MysqlInstanceSpec): MysqlInstanceSpec => {
  const r = MYSQL_INSTANCES.find((s) => s.role === 'replica' && s.cluster === p.cluster);
  if (!r) throw new Error(`no replica for cluster ${p.cluster}`);
  return r;
};

describe('MariaDB clusters (local stack)', () => {
  describe.each(primaries.map((p) => [p.name, p] as const))('when a row is written on %s', (_name, primary) => {
    const replica = replicaOf(primary);
    const db = primary.databases.find((d) => d.startsWith('order_db')) ?? (primary.databases[0] as string);
    const serviceUser = db === 'user_db' ? DB_USERS.user : DB_USERS.order;

    beforeAll(async () => {
      const ddl = await connect(primary, DB_USERS.migrator, db);
      await ddl.query('CREATE TABLE IF NOT EXISTS stack_probe (id VARCHAR(64) PRIMARY KEY, note VARCHAR(255) NOT NULL)');
      await ddl.end();
    });

    it('should have its replica running both IO and SQL threads', async () => {
      const st = await replicaState(replica);
      expect(st).toMatchObject({ io: 'Yes', sql: 'Yes' });
    });

    it('should appear on the replica, read back from a different server_id', async () => {
      const id = randomUUID();
      const w = await connect(primary, serviceUser, db);
      const r = await connect(replica, serviceUser, db);
      try {
        await w.query('INSERT INTO stack_probe (id, note) VALUES (?, ?)', [id, `written on ${primary.name}`]);
        const [[pid]] = (await w.query('SELECT @@server_id AS sid')) as unknown as [[{ sid: number }]];
        const row = await eventually(async () => {
          const [rows] = (await r.query('SELECT note, @@server_id AS sid FROM stack_probe WHERE id = ?', [id])) as unknown as [
            { note: string; sid: number }[],
          ];
          if (rows.length !== 1) throw new Error('not replicated yet');
          return rows[0];
        }, 10_000);
        expect(row?.note).toBe(`written on ${primary.name}`);
        expect(row?.sid).toBe(replica.serverId);
        expect(pid.sid).toBe(primary.serverId);
      } finally {
        await w.end();
        await r.end();
      }
    });

    it('should refuse writes from the service user on the read-only replica', async () => {
      const r = await connect(replica, serviceUser, db);
      try {
        await expect(r.query('INSERT INTO stack_probe (id, note) VALUES (?, ?)', [randomUUID(), 'x'])).rejects.toMatchObject({
          code: 'ER_OPTION_PREVENTS_STATEMENT',
        });
      } finally {
        await r.end();
      }
    });

    it('should not let the service user DROP DATABASE or run DDL', async () => {
      const c = await connect(primary, serviceUser, db);
      try {
        await expect(c.query(`DROP DATABASE \`${db}\``)).rejects.toMatchObject({ code: 'ER_DBACCESS_DENIED_ERROR' });
        await expect(c.query('CREATE TABLE nope (id INT)')).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
        await expect(c.query('DROP TABLE stack_probe')).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
      } finally {
        await c.end();
      }
    });
  });

  describe('when the databases are listed', () => {
    it('should put user_db and order_db_0 on cluster 0 and order_db_1 on cluster 1 only', async () => {
      const found: Record<string, string[]> = {};
      for (const p of primaries) {
        const c = await connect(p, DB_USERS.admin);
        const [rows] = (await c.query("SHOW DATABASES WHERE `Database` IN ('user_db','order_db_0','order_db_1')")) as unknown as [
          { Database: string }[],
        ];
        found[p.name] = rows.map((r) => r.Database).sort();
        await c.end();
      }
      expect(found).toEqual({ 'mysql-c0-primary': ['order_db_0', 'user_db'], 'mysql-c1-primary': ['order_db_1'] });
    });
  });
});
