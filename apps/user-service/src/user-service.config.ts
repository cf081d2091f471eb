import { z } from 'zod';
import { DB_USERS, MYSQL_CLUSTERS } from '@dsp/contracts';
import { hostPort, hostPortList } from '@dsp/service-defaults';
import { REDIS_ENV_SCHEMA } from '@dsp/session';
import { ZOOKEEPER_ENV_SCHEMA } from '@dsp/zookeeper';

const cluster0 = MYSQL_CLUSTERS[0];

/** user-service's environment: its own database (vertical split: user_db on cluster 0), Redis, ZooKeeper. */
export const USER_SERVICE_ENV_SCHEMA = z.object({
  ...ZOOKEEPER_ENV_SCHEMA.shape,
  ...REDIS_ENV_SCHEMA.shape,
  USER_DB_PRIMARY: hostPort().default(`127.0.0.1:${cluster0.primaryPort}`),
  USER_DB_REPLICAS: hostPortList().default([`127.0.0.1:${cluster0.replicaPort}`]),
  USER_DB_NAME: z.string().min(1).default('user_db'),
  USER_DB_USER: z.string().min(1).default(DB_USERS.user.name),
  USER_DB_PASSWORD: z.string().min(1).default(DB_USERS.user.password),
});

export const USER_SERVICE_SECRETS = ['USER_DB_PASSWORD'] as const;
