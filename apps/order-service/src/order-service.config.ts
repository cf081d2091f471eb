import { z } from 'zod';
import { DB_USERS, localAdminToken, MYSQL_CLUSTERS } from '@dsp/contracts';
import { REPLICA_STRATEGY_NAMES, SHARDING_ALGORITHM_NAMES } from '@dsp/database';
import { KAFKA_ENV_SCHEMA } from '@dsp/messaging';
import { hostPort, hostPortList, millis } from '@dsp/service-defaults';
import { REDIS_ENV_SCHEMA } from '@dsp/redis';
import { ZOOKEEPER_ENV_SCHEMA } from '@dsp/zookeeper';

const [c0, c1] = MYSQL_CLUSTERS;

/** order-service's environment: two order clusters (order_db_0 on cluster 0, order_db_1 on cluster 1), Kafka, ZooKeeper, Redis sessions. */
export const ORDER_SERVICE_ENV_SCHEMA = z.object({
  ...ZOOKEEPER_ENV_SCHEMA.shape,
  ...KAFKA_ENV_SCHEMA.shape,
  ...REDIS_ENV_SCHEMA.shape,
  ORDER_DB_0_PRIMARY: hostPort().default(`127.0.0.1:${c0.primaryPort}`),
  ORDER_DB_0_REPLICAS: hostPortList().default([`127.0.0.1:${c0.replicaPort}`]),
  ORDER_DB_1_PRIMARY: hostPort().default(`127.0.0.1:${c1.primaryPort}`),
  ORDER_DB_1_REPLICAS: hostPortList().default([`127.0.0.1:${c1.replicaPort}`]),
  ORDER_DB_USER: z.string().min(1).default(DB_USERS.order.name),
  ORDER_DB_PASSWORD: z
    .string()
    .min(1)
    .default(() => DB_USERS.order.password),
  /** DDL account used once at boot to apply migrations on both order databases. */
  ORDER_DB_MIGRATOR_USER: z.string().min(1).default(DB_USERS.migrator.name),
  ORDER_DB_MIGRATOR_PASSWORD: z
    .string()
    .min(1)
    .default(() => DB_USERS.migrator.password),
  /** How reads pick a replica: round-robin, random, weighted. */
  DB_REPLICA_STRATEGY: z.enum(REPLICA_STRATEGY_NAMES as [string, ...string[]]).default('round-robin'),
  /** A replica further behind than this gets no reads. */
  DB_MAX_REPLICA_LAG_MS: millis().default(2000),
  /** How often replica positions are probed. */
  DB_PROBE_INTERVAL_MS: millis().default(500),
  /** Sharding algorithm for orders (by user id). Choose before the first order: changing it strands existing rows. */
  ORDER_SHARDING_ALGORITHM: z.enum(SHARDING_ALGORITHM_NAMES as [string, ...string[]]).default('mod'),
  /** Upper bounds of user-id ranges for the `range` algorithm (3 values for 4 slots), comma-separated. */
  ORDER_SHARDING_RANGE_BOUNDS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
        .map((v) => BigInt(v)),
    ),
  /** Bearer token of the admin endpoints (`/api/admin/...`). */
  ADMIN_TOKEN: z.string().min(16).default(localAdminToken),
  /**
   * Flash sales: give up waiting for a sale's lock (zk-lock, redis-lock) after this long and answer 503
   * (retryable). Keep it well below the gateway's UPSTREAM_TIMEOUT_MS (10 s), or a waiting buyer gets a
   * 504 with no answer instead.
   */
  FLASH_SALE_LOCK_TIMEOUT_MS: millis().default(5000),
  /** Flash sales: lease of the redis-lock strategy's lock (renewed every third of it while held). */
  FLASH_SALE_LEASE_MS: millis().default(3000),
  /** Flash sales: a purchase `pending` (unit taken, order not written) for longer than this is taken over and completed, by the buyer's next call or the background completer. */
  FLASH_SALE_PENDING_TAKEOVER_MS: millis().default(10_000),
  /** Flash sales: the reconciler touches a redis-reserve sale only after this long without activity. */
  FLASH_SALE_RECONCILE_QUIET_MS: millis().default(3000),
  /** Deadline of a call to user-service through discovery. */
  USER_SERVICE_TIMEOUT_MS: millis().default(3000),
});

export const ORDER_SERVICE_SECRETS = [
  'ORDER_DB_PASSWORD',
  'ORDER_DB_MIGRATOR_PASSWORD',
  'ADMIN_TOKEN',
  'ZK_PASSWORD',
  'REDIS_PASSWORD',
  'KAFKA_PASSWORD',
] as const;
