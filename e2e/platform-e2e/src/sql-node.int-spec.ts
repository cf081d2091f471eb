import { DB_USERS, MYSQL_CLUSTERS } from '@dsp/contracts';
import { eventually, mysqlAdmin, testLogger } from '@dsp/testing';
import { SqlNode, SqlNodeUnavailableError } from '@dsp/database';

const c0 = MYSQL_CLUSTERS[0];
const RUN = `${process.pid}-${Date.now()}`;

/**
 * SqlNode's raw statements skip typeorm's query runner (ADR 0020): the same
 * results, errors and connections as typeorm's `EntityManager.query`, against
 * the real primary.
 */
describe('SqlNode raw statements (real MariaDB, cluster 0 primary)', () => {
  const node = new SqlNode(
    {
      label: 'user_db:primary',
      host: '127.0.0.1',
      port: c0.primaryPort,
      user: DB_USERS.user.name,
      password: DB_USERS.user.password,
      database: 'user_db',
    },
    testLogger(),
    { poolSize: 4 },
  );

  beforeAll(async () => {
    await mysqlAdmin.query(
      'mysql-c0-primary',
      'CREATE TABLE IF NOT EXISTS user_db.sql_node_probe (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64) NOT NULL UNIQUE)',
    );
    await node.start();
    await eventually(async () => expect(node.isOpen).toBe(true));
  });
  afterAll(async () => {
    await node.close();
    await node.close();
  });

  it('gives rows for a SELECT and the ResultSetHeader for a write, as typeorm does', async () => {
    const w = await node.manager.query<{ affectedRows: number; insertId: number }>('INSERT INTO sql_node_probe (v) VALUES (?)', [
      `a-${RUN}`,
    ]);
    expect(w.affectedRows).toBe(1);
    expect(Number(w.insertId)).toBeGreaterThan(0);
    const rows = await node.query<{ id: string; v: string }>('SELECT id, v FROM sql_node_probe WHERE id = ?', [w.insertId]);
    expect(rows).toEqual([{ id: String(w.insertId), v: `a-${RUN}` }]); // bigNumberStrings: BIGINT as a string
  });

  it('rejects a failed statement with typeorm’s QueryFailedError and the driver’s code, writing nothing', async () => {
    await node.query('INSERT INTO sql_node_probe (v) VALUES (?)', [`dup-${RUN}`]);
    const err = await node.query('INSERT INTO sql_node_probe (v) VALUES (?)', [`dup-${RUN}`]).catch((e: unknown) => e);
    // typeorm's error class (domain code reads driverError.code), not mysql2's bare error
    expect((err as Error).constructor.name).toBe('QueryFailedError');
    expect(err).toMatchObject({ name: 'QueryFailedError', driverError: { code: 'ER_DUP_ENTRY' } });
    expect(await node.query('SELECT id FROM sql_node_probe WHERE v = ?', [`dup-${RUN}`])).toHaveLength(1);
  });

  it('runs a transaction’s raw statements and typeorm’s query builder on one connection, and a rollback undoes both', async () => {
    const seen: { conn: string[]; built: { v?: string; c?: unknown } | undefined } = { conn: [], built: undefined };
    await expect(
      node.transaction(async (em) => {
        const r = await em.query<{ insertId: number }>('INSERT INTO sql_node_probe (v) VALUES (?)', [`tx-${RUN}`]);
        for (let i = 0; i < 3; i++) seen.conn.push(String((await em.query<{ c: string }[]>('SELECT CONNECTION_ID() AS c'))[0]?.c));
        // typeorm's own path, on the same connection: it sees the uncommitted row
        seen.built = await em
          .createQueryBuilder()
          .select('p.v', 'v')
          .addSelect('CONNECTION_ID()', 'c')
          .from('sql_node_probe', 'p')
          .where('p.id = :id', { id: r.insertId })
          .getRawOne();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(new Set(seen.conn).size).toBe(1);
    // typeorm's own path ran on the connection of the raw statements, and saw their uncommitted row
    expect(seen.built?.v).toBe(`tx-${RUN}`);
    expect(String(seen.built?.c)).toBe(seen.conn[0]);
    expect(await node.query('SELECT id FROM sql_node_probe WHERE v = ?', [`tx-${RUN}`])).toEqual([]);
  });

  it('returns the commit’s GTID from the same connection', async () => {
    const { result, gtid } = await node.transaction((em) =>
      em.query<{ affectedRows: number }>('INSERT INTO sql_node_probe (v) VALUES (?)', [`g-${RUN}`]),
    );
    expect(result.affectedRows).toBe(1);
    expect(gtid.toString()).toMatch(/^\d+-\d+-\d+/);
  });

  it('refuses statements once closed (503), not with a pool error', async () => {
    const closed = new SqlNode({ ...node.endpoint, label: 'user_db:closing' }, testLogger(), { poolSize: 1 });
    await closed.start();
    await closed.close();
    await expect(closed.query('SELECT 1')).rejects.toBeInstanceOf(SqlNodeUnavailableError);
  });
});
