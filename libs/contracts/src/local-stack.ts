/**
 * The local stack's public contract: where each server listens and which
 * databases, users and topics exist. Every value can be overridden by the
 * environment variable named beside it; these are the defaults that the stack
 * manager (`infra/stack`), the services and the tests agree on.
 *
 * Passwords and tokens are the loopback-only development stack's, generated
 * per stack (`localSecret`, in `.stack/secrets/`). A service started with
 * `PLATFORM_PROFILE=production` requires every one explicitly (see service-defaults).
 */

import { localSecret, withLocalPassword } from './local-secrets';
import { SERVICE_NAMES, type ServiceName } from './service-instance';

/**
 * The admin token of this stack (`Authorization: Bearer <token>` on
 * `/api/admin/*`), generated per stack; services read `ADMIN_TOKEN`.
 * `npm run -s stack -- secret admin-token` prints it.
 */
export function localAdminToken(): string {
  return localSecret('admin-token');
}

/** The gateway's public HTTP port (`PORT` of the gateway): the one door load tools and the console's experiments use. */
export const GATEWAY_PORT = 8080;

/** ZooKeeper client ports: three voters, then the observer. */
export const ZK_VOTER_PORTS = [2181, 2182, 2183] as const;
export const ZK_OBSERVER_PORT = 2184;

/** Kafka broker (PLAINTEXT) ports; the first is the documented bootstrap. */
export const KAFKA_BROKER_PORTS = [9092, 9093, 9094] as const;

/** Redis with AOF persistence. */
export const REDIS_PORT = 6380;

/** The two MySQL-compatible clusters, each a primary and one replica. */
export const MYSQL_CLUSTERS = [
  {
    index: 0,
    primaryPort: 3307,
    replicaPort: 3308,
    databases: [
      'user_db',
      'order_db_0',
      // @dsp/workspace:service cluster-0-databases
    ],
  },
  {
    index: 1,
    primaryPort: 3309,
    replicaPort: 3310,
    databases: [
      'order_db_1',
      // @dsp/workspace:service cluster-1-databases
    ],
  },
] as const;

/** Every database of the platform, on whichever cluster holds it. */
export const ALL_DATABASES: readonly string[] = MYSQL_CLUSTERS.flatMap((c) => c.databases);

/** A service's database account: DML on its own schemas, nothing else. */
export interface ServiceDbAccount {
  readonly name: string;
  /** The service that connects with it (its only user). */
  readonly service: ServiceName;
  readonly databases: readonly string[];
  readonly password: string;
}

/** Least-privilege database accounts (DML on their own schemas only). */
export const DB_USERS = {
  user: withLocalPassword('mariadb', { name: 'user_svc', service: SERVICE_NAMES.user, databases: ['user_db'] }),
  order: withLocalPassword('mariadb', { name: 'order_svc', service: SERVICE_NAMES.order, databases: ['order_db_0', 'order_db_1'] }),
  // @dsp/workspace:service db-users
  /** DDL on the platform schemas, for migrations; never used by a running service. */
  migrator: withLocalPassword('mariadb', { name: 'dsp_migrator', databases: ALL_DATABASES }),
  /** Replication and lag probes: SHOW SLAVE STATUS, GTID positions. */
  monitor: withLocalPassword('mariadb', { name: 'dsp_monitor', databases: [] }),
  /** The console's: replication state only (SLAVE MONITOR, BINLOG MONITOR), no table. */
  console: withLocalPassword('mariadb', { name: 'dsp_console', databases: [] }),
  /** The console's experiments: stop and start a replica's SQL thread and read its state (REPLICATION SLAVE ADMIN, SLAVE MONITOR), no table. */
  consoleOperator: withLocalPassword('mariadb', { name: 'dsp_console_op', databases: [] }),
  /** Operator account for the stack manager and fault tests (STOP SLAVE, ...). */
  admin: withLocalPassword('mariadb', { name: 'dsp_admin', databases: [] }),
} as const;

/** The accounts services connect with (each one service's), as opposed to the migrator's and the operator's. */
export function serviceDbAccounts(): ServiceDbAccount[] {
  return Object.values(DB_USERS).filter((u): u is (typeof DB_USERS)[keyof typeof DB_USERS] & ServiceDbAccount => 'service' in u);
}

/** Builds a `host:port,host:port` ZooKeeper connect string. */
export function zkConnectString(ports: readonly number[], host = '127.0.0.1'): string {
  return ports.map((p) => `${host}:${p}`).join(',');
}

/** Default ZooKeeper connect string for clients in the "local" zone (voters only). */
export const DEFAULT_ZK_CONNECT = zkConnectString(ZK_VOTER_PORTS);

/** Default Kafka bootstrap list. */
export const DEFAULT_KAFKA_BROKERS = KAFKA_BROKER_PORTS.map((p) => `127.0.0.1:${p}`);
