import { z } from 'zod';
import { DB_USERS, MYSQL_CLUSTERS } from '@dsp/contracts';
import { REPLICA_STRATEGY_NAMES } from '@dsp/database';
import { KAFKA_ENV_SCHEMA } from '@dsp/messaging';
import { hostPort, hostPortList, millis } from '@dsp/service-defaults';
import { REDIS_ENV_SCHEMA } from '@dsp/redis';
import { ZOOKEEPER_ENV_SCHEMA } from '@dsp/zookeeper';

const cluster0 = MYSQL_CLUSTERS[0];

/** user-service's environment: its own database (vertical split: user_db on cluster 0), Redis, ZooKeeper. */
export const USER_SERVICE_ENV_SCHEMA = z.object({
  ...ZOOKEEPER_ENV_SCHEMA.shape,
  ...REDIS_ENV_SCHEMA.shape,
  ...KAFKA_ENV_SCHEMA.shape,
  USER_DB_PRIMARY: hostPort().default(`127.0.0.1:${cluster0.primaryPort}`),
  USER_DB_REPLICAS: hostPortList().default([`127.0.0.1:${cluster0.replicaPort}`]),
  USER_DB_NAME: z.string().min(1).default('user_db'),
  USER_DB_USER: z.string().min(1).default(DB_USERS.user.name),
  USER_DB_PASSWORD: z
    .string()
    .min(1)
    .default(() => DB_USERS.user.password),
  /** DDL account used once at boot to apply migrations. */
  USER_DB_MIGRATOR_USER: z.string().min(1).default(DB_USERS.migrator.name),
  USER_DB_MIGRATOR_PASSWORD: z
    .string()
    .min(1)
    .default(() => DB_USERS.migrator.password),
  /** How reads pick a replica: round-robin, random, weighted. */
  DB_REPLICA_STRATEGY: z.enum(REPLICA_STRATEGY_NAMES as [string, ...string[]]).default('round-robin'),
  /** A replica further behind than this gets no reads. */
  DB_MAX_REPLICA_LAG_MS: millis().default(2000),
  /** How often replica positions are probed. */
  DB_PROBE_INTERVAL_MS: millis().default(500),
  /** Deliveries of an order event before it goes to the `.dlq` topic. */
  ORDER_STATS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(4),
  /** scrypt cost log2(N); 17 is OWASP's minimum. */
  PASSWORD_SCRYPT_LOG_N: z.coerce.number().int().min(14).max(20).default(17),
});

export const USER_SERVICE_SECRETS = [
  'USER_DB_PASSWORD',
  'USER_DB_MIGRATOR_PASSWORD',
  'ZK_PASSWORD',
  'REDIS_PASSWORD',
  'KAFKA_PASSWORD',
] as const;
