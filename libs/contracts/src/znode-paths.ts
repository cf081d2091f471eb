/**
 * Builders for every znode path the platform uses. No code outside this file
 * concatenates a ZooKeeper path by hand.
 */

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function segment(kind: string, value: string): string {
  if (!SEGMENT.test(value)) {
    throw new Error(`invalid ${kind} "${value}": use letters, digits, ".", "_" or "-", not starting with a symbol`);
  }
  return value;
}

export const ZNODE_ROOTS = {
  services: '/services',
  config: '/config',
  locks: '/locks',
  election: '/election',
  workers: '/workers',
  jobs: '/jobs',
} as const;

/**
 * `/console`: nodes the console's experiments make for themselves, outside every service's
 * roots (no service owns a child here). Created by the operator's session, so anyone may read
 * them and only the operator may change them (its default ACL, docs/security.md).
 */
export const CONSOLE_ZNODE_ROOT = '/console';

function ownedRoot(root: string, owner: string | undefined): string {
  return owner === undefined ? root : `${root}/${segment('owner', owner)}`;
}

export const znodePaths = {
  /** `/services/<service-name>`: parent of a service's ephemeral instance nodes. */
  service: (name: string): string => `${ZNODE_ROOTS.services}/${segment('service name', name)}`,
  /** `/services/<service-name>/<instance-id>`: one live instance (ephemeral). */
  serviceInstance: (name: string, instanceId: string): string => `${znodePaths.service(name)}/${segment('instance id', instanceId)}`,
  /** `/config/<app>/<profile>`: persistent config subtree of one app and profile. */
  configProfile: (app: string, profile: string): string => `${ZNODE_ROOTS.config}/${segment('app', app)}/${segment('profile', profile)}`,
  /** `/config/<app>/<profile>/<key>`: one config value. */
  configKey: (app: string, profile: string, key: string): string =>
    `${znodePaths.configProfile(app, profile)}/${segment('config key', key)}`,
  /**
   * `/locks/<owner>/<name>` (or `/locks/<name>` for an operator's client without
   * an owner): parent of a mutex's `lock-` nodes (ephemeral-sequential). Each
   * service's locks live under its own parent, which only it may write.
   */
  lock: (name: string, owner?: string): string => `${ownedRoot(ZNODE_ROOTS.locks, owner)}/${segment('lock name', name)}`,
  /** `/election/<owner>/<name>`: parent of a leader latch's candidates (ephemeral-sequential). */
  election: (name: string, owner?: string): string => `${ownedRoot(ZNODE_ROOTS.election, owner)}/${segment('election name', name)}`,
  /** `/workers/<service-name>`: parent of snowflake worker-id claims (ephemeral-sequential). */
  workers: (serviceName: string): string => `${ZNODE_ROOTS.workers}/${segment('service name', serviceName)}`,
  /** `/jobs/<owner>/<job>/members`: the live instances sharing a distributed job's items (ephemeral children). */
  jobMembers: (job: string, owner?: string): string => `${ownedRoot(ZNODE_ROOTS.jobs, owner)}/${segment('job name', job)}/members`,
  /** `/console/<experiment>/<name>`: a node of one console experiment (operator-only writes). */
  consoleExperiment: (experiment: string, name: string): string =>
    `${CONSOLE_ZNODE_ROOT}/${segment('experiment name', experiment)}/${segment('node name', name)}`,
  /**
   * The parents a service owns (only its identity may create children there):
   * `/services/<s>`, `/config/<s>`, `/locks/<s>`, `/election/<s>`, `/workers/<s>`, `/jobs/<s>`.
   */
  ownedBy: (service: string): string[] => Object.values(ZNODE_ROOTS).map((root) => `${root}/${segment('service name', service)}`),
} as const;
