import { withLocalPassword } from './local-secrets';
import { SERVICE_NAMES, type ServiceName } from './service-instance';

/** A ZooKeeper digest identity (`addauth digest user:password`). */
export interface ZkIdentity {
  user: string;
  password: string;
}

/**
 * Who talks to ZooKeeper, each with its own digest identity. The passwords
 * are the loopback stack's, generated per stack and read on first use
 * (`localSecret('zookeeper/<user>')`; services read `ZK_USER` /
 * `ZK_PASSWORD`; `PLATFORM_PROFILE=production` requires them).
 *
 * - each service writes only the parents it owns (`znodePaths.ownedBy`):
 *   its registrations, its config, its locks, elections, worker ids and jobs;
 * - `operator` is ZooKeeper's super user (`superDigest`): the stack manager,
 *   fault tests and people with zkCli (`addauth digest dsp-operator:...`);
 * - anonymous sessions may read, never write.
 */
export const ZK_IDENTITIES: Record<ServiceName | 'operator', ZkIdentity> = {
  [SERVICE_NAMES.gateway]: withLocalPassword('zookeeper', { user: 'gateway' }),
  [SERVICE_NAMES.user]: withLocalPassword('zookeeper', { user: 'user-service' }),
  [SERVICE_NAMES.order]: withLocalPassword('zookeeper', { user: 'order-service' }),
  // @dsp/workspace:service zk-identities
  operator: withLocalPassword('zookeeper', { user: 'dsp-operator' }),
};

/** What each identity may do in ZooKeeper (rendered in docs/security.md). */
export const ZK_RIGHTS: readonly { who: string; where: string; may: string }[] = [
  { who: 'anyone (no auth)', where: 'every node', may: 'read (r)' },
  {
    who: 'a service',
    where: '`/services/<own name>`, `/config/<own name>`, `/locks|election|workers|jobs/<own name>`',
    may: 'create, delete, write, admin below (cdrwa)',
  },
  { who: 'a service', where: 'the nodes it created', may: 'cdrwa (the `auth` ACL of its session)' },
  { who: 'operator', where: 'everything', may: 'all (super user)' },
];
