import { createConnection, type Connection } from 'mysql2/promise';
import { DB_USERS, MYSQL_CLUSTERS } from '@dsp/contracts';

/** `mysql-c0-primary` -> its port on 127.0.0.1. */
export function mysqlPort(server: string): number {
  const m = /^mysql-c(\d)-(primary|replica)$/.exec(server);
  const cluster = m ? MYSQL_CLUSTERS[Number(m[1])] : undefined;
  if (!m || !cluster) throw new Error(`unknown MySQL server "${server}"; expected mysql-c<N>-primary|replica`);
  return m[2] === 'primary' ? cluster.primaryPort : cluster.replicaPort;
}

/**
 * Operator access to one MariaDB server of the local stack (the `dsp_admin`
 * account), for tests that inspect rows where they physically are or force
 * replication lag for real.
 */
export const mysqlAdmin = {
  async connect(server: string, database?: string): Promise<Connection> {
    return createConnection({
      host: '127.0.0.1',
      port: mysqlPort(server),
      user: DB_USERS.admin.name,
      password: DB_USERS.admin.password,
      database,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  },

  async query<T = Record<string, unknown>>(server: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const c = await this.connect(server);
    try {
      const [rows] = await c.query(sql, params);
      return rows as T[];
    } finally {
      await c.end();
    }
  },

  /** Stops the replica's SQL thread: it keeps receiving the binlog but applies nothing (real lag). */
  async stopReplicaSql(server: string): Promise<void> {
    await this.query(server, 'STOP SLAVE SQL_THREAD');
  },

  async startReplicaSql(server: string): Promise<void> {
    await this.query(server, 'START SLAVE SQL_THREAD');
  },
};

/**
 * Runs one statement on a MariaDB server of the local stack as `account` (a
 * service's own, e.g. `DB_USERS.user`), for tests that prove what an account
 * may not do: resolves with the rows, or rejects with the server's error
 * (`code: 'ER_DBACCESS_DENIED_ERROR'`, ...).
 */
export async function mysqlAs<T = Record<string, unknown>>(
  server: string,
  account: { name: string; password: string },
  sql: string,
  database?: string,
): Promise<T[]> {
  const c = await createConnection({
    host: '127.0.0.1',
    port: mysqlPort(server),
    user: account.name,
    password: account.password,
    database,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    const [rows] = await c.query(sql);
    return rows as T[];
  } finally {
    await c.end();
  }
}
