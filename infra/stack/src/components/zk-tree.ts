import { DEFAULT_ZK_CONNECT, SERVICE_NAMES, ZK_IDENTITIES, ZNODE_ROOTS, znodePaths } from '@dsp/contracts';
import { acl, isZkError, ZookeeperClient, type ZkAcl } from '@dsp/zookeeper';
import { createJsonLogger } from '@dsp/service-defaults';

const OPERATOR = ZK_IDENTITIES.operator;
const ANYONE_READS: ZkAcl[] = [acl.world('r')];

function ownerAcl(service: keyof typeof ZK_IDENTITIES): ZkAcl[] {
  const id = ZK_IDENTITIES[service];
  return [acl.world('r'), acl.digest(id.user, id.password, 'cdrwa')];
}

/**
 * Lays out the platform's znode tree with its ACLs, as the operator (the super
 * user), before any service starts: anyone may read everything and write
 * nothing; each service may create below its own parents only
 * (`znodePaths.ownedBy`). Idempotent: an existing node gets its ACL set again,
 * and config nodes written before a service had its own identity are handed to
 * it. Returns how many nodes it ensured.
 */
export async function ensureZnodeTree(connectString = DEFAULT_ZK_CONNECT): Promise<number> {
  const zk = new ZookeeperClient(
    { connectString, sessionTimeoutMs: 6000, auth: [{ scheme: 'digest', auth: `${OPERATOR.user}:${OPERATOR.password}` }] },
    createJsonLogger({ service: 'stack', instanceId: 'zk-tree', level: 'warn' }),
  );
  zk.start();
  let ensured = 0;
  const ensure = async (path: string, nodeAcl: ZkAcl[]): Promise<void> => {
    await zk.create(path, null, 'PERSISTENT', nodeAcl).catch((e: unknown) => {
      if (!isZkError(e, 'ZNODEEXISTS')) throw e;
    });
    await zk.setAcl(path, nodeAcl);
    ensured++;
  };
  try {
    await zk.waitConnected(20_000);
    try {
      await zk.setAcl('/', ANYONE_READS);
    } catch (e) {
      if (isZkError(e, 'ZNOAUTH'))
        throw new Error(
          'ZooKeeper does not know the operator as its super user (servers started by an older stack): run `npm run stack -- down` and `npm run stack -- up`',
        );
      throw e;
    }
    for (const root of Object.values(ZNODE_ROOTS)) await ensure(root, ANYONE_READS);
    for (const service of Object.values(SERVICE_NAMES)) {
      for (const parent of znodePaths.ownedBy(service)) await ensure(parent, ownerAcl(service));
      ensured += await handOver(zk, znodePaths.ownedBy(service)[1] as string, ownerAcl(service));
    }
    return ensured;
  } finally {
    await zk.close();
  }
}

/**
 * Gives the owner's ACL to the config nodes below `path` that a writer changes
 * (profiles, keys, gray releases), written before services had identities of
 * their own. History entries (`h-...`) are only ever read and are left alone.
 */
async function handOver(zk: ZookeeperClient, path: string, ownerAclList: ZkAcl[], depth = 3): Promise<number> {
  if (depth === 0) return 0;
  let n = 0;
  for (const child of await zk.getChildren(path).catch(() => [] as string[])) {
    if (child.startsWith('h-')) continue;
    const p = `${path}/${child}`;
    await zk.setAcl(p, ownerAclList);
    n += 1 + (await handOver(zk, p, ownerAclList, depth - 1));
  }
  return n;
}
