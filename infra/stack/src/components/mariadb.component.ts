import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DB_USERS, serviceDbAccounts, withLocalPassword } from '@dsp/contracts';
import { logFileOf, run, runningPid, startDaemon, stopDaemon, waitFor } from '../proc';
import { MYSQL_INSTANCES, STACK_DIR, socketPath, type MysqlInstanceSpec } from '../topology';
import type { ServerStatus, StackComponent } from './component';

/** Replication account; created on each primary with binary logging off, so it never replicates. */
export const REPL_USER = withLocalPassword('mariadb', { name: 'dsp_repl' });

function instanceDir(s: MysqlInstanceSpec): string {
  return join(STACK_DIR, 'mysql', s.name);
}

export function mysqlSocket(s: MysqlInstanceSpec): string {
  return socketPath(instanceDir(s), 'mysqld');
}

function myCnf(s: MysqlInstanceSpec): string {
  const dir = instanceDir(s);
  const lines = [
    '# Written by infra/stack (mariadb.component.ts); regenerated on every `stack up`.',
    '[mariadbd]',
    'user=root',
    `datadir=${join(dir, 'data')}`,
    `port=${s.port}`,
    'bind-address=127.0.0.1',
    `socket=${mysqlSocket(s)}`,
    `pid-file=${join(dir, 'mysqld.pid')}`,
    // A private tmpdir: four servers sharing /tmp collide on temporary table names.
    `tmpdir=${join(dir, 'tmp')}`,
    `log-error=${logFileOf(s.name)}`,
    'skip-name-resolve',
    `server-id=${s.serverId}`,
    // GTID replication with a durable binary log on every server.
    'log-bin=mysql-bin',
    'binlog_format=ROW',
    'log_slave_updates=ON',
    'gtid_strict_mode=ON',
    'sync_binlog=1',
    'innodb_flush_log_at_trx_commit=1',
    'expire_logs_days=2',
    // Small footprint: four servers share a 2-core machine.
    'innodb_buffer_pool_size=96M',
    'innodb_log_file_size=48M',
    'performance_schema=OFF',
    'max_connections=400',
    'character-set-server=utf8mb4',
    'collation-server=utf8mb4_unicode_ci',
  ];
  if (s.role === 'replica') {
    lines.push('read_only=ON', 'relay_log=relay-bin', 'slave_net_timeout=10');
  }
  return `${lines.join('\n')}\n`;
}

/** Runs SQL as the local root account (unix socket auth) and returns rows as objects. */
export async function rootQuery(s: MysqlInstanceSpec, sql: string): Promise<Record<string, string>[]> {
  const { stdout } = await run('mariadb', ['--no-defaults', '-S', mysqlSocket(s), '-uroot', '-B', '-e', sql], { timeoutMs: 15_000 });
  const lines = stdout.split('\n').filter((l) => l.length > 0);
  const header = lines[0]?.split('\t') ?? [];
  return lines.slice(1).map((l) => {
    const cells = l.split('\t');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** DDL/DCL that makes a primary match the contract; idempotent, and it replicates to the replica. */
export function provisioningSql(s: MysqlInstanceSpec, accountHost = '127.0.0.1'): string {
  const host = quote(accountHost);
  const stmts: string[] = [];
  for (const db of s.databases) {
    stmts.push(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  }
  for (const u of Object.values(DB_USERS)) {
    stmts.push(`CREATE USER IF NOT EXISTS ${quote(u.name)}@${host} IDENTIFIED BY ${quote(u.password)}`);
    // An account made with another stack's secret (or rotated by hand) takes this stack's again.
    stmts.push(`ALTER USER ${quote(u.name)}@${host} IDENTIFIED BY ${quote(u.password)}`);
  }
  // Service accounts: DML on their own schemas, nothing else (no DDL, no DROP).
  for (const u of serviceDbAccounts()) {
    for (const db of u.databases.filter((d) => s.databases.includes(d))) {
      stmts.push(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${db}\`.* TO ${quote(u.name)}@${host}`);
    }
  }
  for (const db of DB_USERS.migrator.databases.filter((d) => s.databases.includes(d))) {
    stmts.push(`GRANT ALL PRIVILEGES ON \`${db}\`.* TO ${quote(DB_USERS.migrator.name)}@${host}`);
  }
  stmts.push(`GRANT SLAVE MONITOR, BINLOG MONITOR, PROCESS ON *.* TO ${quote(DB_USERS.monitor.name)}@${host}`);
  stmts.push(`GRANT SLAVE MONITOR, BINLOG MONITOR ON *.* TO ${quote(DB_USERS.console.name)}@${host}`);
  stmts.push(`GRANT REPLICATION SLAVE ADMIN, SLAVE MONITOR ON *.* TO ${quote(DB_USERS.consoleOperator.name)}@${host}`);
  stmts.push(`GRANT ALL PRIVILEGES ON *.* TO ${quote(DB_USERS.admin.name)}@${host} WITH GRANT OPTION`);
  return `${stmts.join(';\n')};`;
}

export interface ReplicaState {
  io: string;
  sql: string;
  lagSeconds: string;
  lastError: string;
}

export async function replicaState(s: MysqlInstanceSpec): Promise<ReplicaState | undefined> {
  const rows = await rootQuery(s, 'SHOW SLAVE STATUS');
  const r = rows[0];
  if (r === undefined) return undefined;
  return {
    io: r['Slave_IO_Running'] ?? '?',
    sql: r['Slave_SQL_Running'] ?? '?',
    lagSeconds: r['Seconds_Behind_Master'] ?? 'NULL',
    lastError: r['Last_IO_Error'] || r['Last_SQL_Error'] || '',
  };
}

/** Two MariaDB clusters, each a primary and a read-only replica following it by GTID. */
export class MariadbComponent implements StackComponent {
  readonly name = 'mariadb';
  readonly daemons = MYSQL_INSTANCES.map((s) => s.name);

  async prepare(): Promise<void> {
    await Promise.all(
      MYSQL_INSTANCES.map(async (s) => {
        const dir = instanceDir(s);
        mkdirSync(join(dir, 'tmp'), { recursive: true });
        writeFileSync(join(dir, 'my.cnf'), myCnf(s));
        if (!existsSync(join(dir, 'data', 'mysql'))) {
          // Initialise into a scratch dir and rename on success: a failed or interrupted
          // install never leaves a half-made data dir that a later run would trust.
          const scratch = join(dir, 'data.installing');
          rmSync(scratch, { recursive: true, force: true });
          rmSync(join(dir, 'data'), { recursive: true, force: true });
          await run('mariadb-install-db', [
            '--no-defaults',
            `--datadir=${scratch}`,
            '--user=root',
            '--auth-root-authentication-method=socket',
            '--skip-test-db',
            // Passed through to the bootstrap server: parallel installs must not share /tmp.
            `--tmpdir=${join(dir, 'tmp')}`,
          ]);
          renameSync(scratch, join(dir, 'data'));
        }
      }),
    );
  }

  async start(): Promise<void> {
    for (const s of MYSQL_INSTANCES) {
      const cnf = join(instanceDir(s), 'my.cnf');
      startDaemon({ name: s.name, command: 'mariadbd', args: [`--defaults-file=${cnf}`], marker: cnf });
    }
  }

  async waitReady(timeoutMs: number): Promise<string> {
    await Promise.all(
      MYSQL_INSTANCES.map((s) =>
        waitFor(`MariaDB ${s.name} (:${s.port})`, async () => ((await rootQuery(s, 'SELECT 1 AS ok')).length === 1 ? true : undefined), {
          timeoutMs,
          daemon: s.name,
        }),
      ),
    );
    const primaries = MYSQL_INSTANCES.filter((s) => s.role === 'primary');
    await Promise.all(primaries.map((p) => this.provisionCluster(p, timeoutMs)));
    return `${primaries.length} clusters, replicas in sync (IO+SQL running)`;
  }

  private async provisionCluster(primary: MysqlInstanceSpec, timeoutMs: number): Promise<void> {
    const replica = MYSQL_INSTANCES.find((s) => s.role === 'replica' && s.cluster === primary.cluster);
    if (replica === undefined) throw new Error(`cluster ${primary.cluster} has no replica`);
    await rootQuery(
      primary,
      `SET SESSION sql_log_bin=0; CREATE USER IF NOT EXISTS ${quote(REPL_USER.name)}@'127.0.0.1' IDENTIFIED BY ${quote(REPL_USER.password)}; GRANT REPLICATION SLAVE ON *.* TO ${quote(REPL_USER.name)}@'127.0.0.1'`,
    );
    if ((await replicaState(replica)) === undefined) {
      await rootQuery(
        replica,
        `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER=${quote(REPL_USER.name)}, MASTER_PASSWORD=${quote(REPL_USER.password)}, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE`,
      );
    } else {
      await rootQuery(replica, 'START SLAVE'); // no-op when running; restarts threads a fault test stopped
    }
    await rootQuery(primary, provisioningSql(primary));
    await waitFor(
      `MariaDB ${replica.name} replication (IO+SQL threads)`,
      async () => {
        const st = await replicaState(replica);
        if (st?.lastError) throw new Error(st.lastError);
        return st?.io === 'Yes' && st.sql === 'Yes' ? st : undefined;
      },
      { timeoutMs, daemon: replica.name },
    );
    const [pos] = await rootQuery(primary, 'SELECT @@gtid_binlog_pos AS pos');
    const [waited] = await rootQuery(replica, `SELECT MASTER_GTID_WAIT(${quote(pos?.['pos'] ?? '')}, ${Math.ceil(timeoutMs / 1000)}) AS r`);
    if (waited?.['r'] !== '0')
      throw new Error(`MariaDB ${replica.name} did not catch up with ${primary.name}; see ${logFileOf(replica.name)}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.daemons.map((d) => stopDaemon(d, 30_000)));
  }

  async status(): Promise<ServerStatus[]> {
    return Promise.all(
      MYSQL_INSTANCES.map(async (s) => {
        const pid = runningPid(s.name);
        const base = { server: s.name, port: s.port, pid, role: s.role };
        if (pid === undefined) return { ...base, health: 'down', detail: '' } satisfies ServerStatus;
        try {
          if (s.role === 'primary') {
            const [r] = await rootQuery(s, 'SELECT @@gtid_binlog_pos AS pos');
            return { ...base, health: 'up', detail: `gtid ${r?.['pos'] || '-'}` } satisfies ServerStatus;
          }
          const st = await replicaState(s);
          const ok = st?.io === 'Yes' && st.sql === 'Yes';
          return {
            ...base,
            health: ok ? 'up' : 'degraded',
            detail: st
              ? `io=${st.io} sql=${st.sql} lag=${st.lagSeconds}s${st.lastError ? ` ${st.lastError}` : ''}`
              : 'replication not configured',
          } satisfies ServerStatus;
        } catch (e) {
          return { ...base, health: 'down', detail: (e as Error).message.split('\n')[0] ?? '' } satisfies ServerStatus;
        }
      }),
    );
  }
}
