import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ZK_CONNECT, REDIS_IDENTITIES, TRACE_IDENTITIES, ZK_IDENTITIES, znodePaths } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import { isZkError, ZookeeperClient } from '@dsp/zookeeper';
import { rootQuery } from './components/mariadb.component';
import { run } from './proc';
import { MYSQL_INSTANCES, REDIS, STACK_DIR } from './topology';

/** What a service was given on the running stack, to take back. */
export interface ServiceResources {
  /** Its name in ZooKeeper and its Redis ACL user (`inventory-service`). */
  service: string;
  /** Its databases (`inventory_db`), dropped on every cluster primary that holds them (the drop replicates). */
  databases: readonly string[];
  /** Its MariaDB account (`inventory_svc`). */
  dbAccount?: string;
}

const NAME = /^[a-z][a-z0-9_-]*$/;

function checked(kind: string, v: string): string {
  if (!NAME.test(v)) throw new Error(`invalid ${kind} "${v}": lower-case letters, digits, "_" and "-" only`);
  return v;
}

async function deleteTree(zk: ZookeeperClient, path: string): Promise<number> {
  let n = 0;
  const children = await zk.getChildren(path).catch((e: unknown) => {
    if (isZkError(e, 'ZNONODE')) return undefined;
    throw e;
  });
  if (children === undefined) return 0;
  for (const c of children) n += await deleteTree(zk, `${path}/${c}`);
  await zk.delete(path).catch((e: unknown) => {
    if (!isZkError(e, 'ZNONODE')) throw e;
  });
  return n + 1;
}

/**
 * Takes back from the running stack what a removed (or throwaway) service was
 * given: its znode parents and everything below them, its Redis ACL user (from
 * the server and from `.stack/redis/users.acl`), its databases and its MariaDB
 * account (its trace-store identity needs no taking back: the trace guard
 * reads `TRACE_IDENTITIES` when it starts: restart it, `stack down` and `up`, to drop the identity). The stack's own tables never name such a service again, so nothing
 * would recreate them; this is the inverse of what `stack up` provisions for a
 * service. Idempotent: what is already gone is skipped. Returns one line per
 * thing removed.
 */
export async function removeService(r: ServiceResources, zkConnect = DEFAULT_ZK_CONNECT): Promise<string[]> {
  const service = checked('service name', r.service);
  // The trace guard holds no state of its own: it reads TRACE_IDENTITIES, so a service still in that table may still report spans.
  if (service in ZK_IDENTITIES || service in REDIS_IDENTITIES || service in TRACE_IDENTITIES)
    throw new Error(`${service} is still in the contracts' identity tables: remove it there first, or \`stack up\` gives it back`);
  const done: string[] = [];

  const op = ZK_IDENTITIES.operator;
  const zk = new ZookeeperClient(
    { connectString: zkConnect, sessionTimeoutMs: 6000, auth: [{ scheme: 'digest', auth: `${op.user}:${op.password}` }] },
    createJsonLogger({ service: 'stack', instanceId: 'remove-service', level: 'warn' }),
  );
  zk.start();
  try {
    await zk.waitConnected(20_000);
    for (const parent of znodePaths.ownedBy(service)) {
      const n = await deleteTree(zk, parent);
      if (n > 0) done.push(`zookeeper: deleted ${parent} (${n} node${n === 1 ? '' : 's'})`);
    }
  } finally {
    await zk.close();
  }

  const aclFile = join(STACK_DIR, 'redis', 'users.acl');
  if (existsSync(aclFile)) {
    const lines = readFileSync(aclFile, 'utf8').split('\n');
    const kept = lines.filter((l) => !l.startsWith(`user ${service} `));
    if (kept.length !== lines.length) writeFileSync(aclFile, kept.join('\n'), { mode: 0o600 });
  }
  const rop = REDIS_IDENTITIES.operator;
  const { stdout } = await run(
    'redis-cli',
    ['-p', String(REDIS.port), '--user', rop.user, '--pass', rop.password, '--no-auth-warning', 'ACL', 'DELUSER', service],
    { timeoutMs: 10_000 },
  );
  if (stdout.trim() === '1') done.push(`redis: deleted ACL user ${service}`);

  for (const primary of MYSQL_INSTANCES.filter((s) => s.role === 'primary')) {
    const present = new Set((await rootQuery(primary, 'SHOW DATABASES')).map((row) => row['Database']));
    for (const db of r.databases.map((d) => checked('database', d))) {
      if (!present.has(db)) continue;
      await rootQuery(primary, `DROP DATABASE \`${db}\``);
      done.push(`mariadb: dropped ${db} on ${primary.name}`);
    }
    if (r.dbAccount !== undefined) {
      const account = checked('account', r.dbAccount);
      const rows = await rootQuery(primary, `SELECT Host FROM mysql.user WHERE User = '${account}'`);
      for (const row of rows) {
        const host = row['Host'] ?? '';
        if (!/^[0-9a-z.:%_-]+$/i.test(host)) throw new Error(`unexpected host "${host}" of ${account}`);
        await rootQuery(primary, `DROP USER '${account}'@'${host}'`);
        done.push(`mariadb: dropped account ${account}@${host} on ${primary.name}`);
      }
    }
  }
  return done;
}
