import { z } from 'zod';
import { DB_USERS, MYSQL_CLUSTERS } from '@dsp/contracts';
import { KAFKA_ENV_SCHEMA } from '@dsp/messaging';
import { hostPort, hostPortList } from '@dsp/service-defaults';
import { ZOOKEEPER_ENV_SCHEMA } from '@dsp/zookeeper';

const [c0, c1] = MYSQL_CLUSTERS;

/** order-service's environment: two order clusters (order_db_0 on cluster 0, order_db_1 on cluster 1), Kafka, ZooKeeper. */
export const ORDER_SERVICE_ENV_SCHEMA = z.object({
  ...ZOOKEEPER_ENV_SCHEMA.shape,
  ...KAFKA_ENV_SCHEMA.shape,
  ORDER_DB_0_PRIMARY: hostPort().default(`127.0.0.1:${c0.primaryPort}`),
  ORDER_DB_0_REPLICAS: hostPortList().default([`127.0.0.1:${c0.replicaPort}`]),
  ORDER_DB_1_PRIMARY: hostPort().default(`127.0.0.1:${c1.primaryPort}`),
  ORDER_DB_1_REPLICAS: hostPortList().default([`127.0.0.1:${c1.replicaPort}`]),
  ORDER_DB_USER: z.string().min(1).default(DB_USERS.order.name),
  ORDER_DB_PASSWORD: z.string().min(1).default(DB_USERS.order.password),
});

export const ORDER_SERVICE_SECRETS = ['ORDER_DB_PASSWORD'] as const;
