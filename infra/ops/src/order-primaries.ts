import { DB_USERS, MYSQL_CLUSTERS } from '@dsp/contracts';
import { DataSources } from '@dsp/database';
import { MetricsRegistry, type JsonLogger } from '@dsp/service-defaults';

/**
 * The local stack's order databases, primaries only, with the service's own
 * account: what a benchmark or a test fixture needs to drive the order domain
 * directly (replicas, migrations and health are the service's business).
 * Not started: call `start()` on each of `all()`.
 */
export function orderPrimaries(logger: JsonLogger, poolSize = 10): DataSources {
  const specs = MYSQL_CLUSTERS.flatMap((c) =>
    c.databases
      .filter((db) => db.startsWith('order_db'))
      .map((name) => ({
        name,
        primary: {
          label: `${name}:primary`,
          host: '127.0.0.1',
          port: c.primaryPort,
          user: DB_USERS.order.name,
          password: DB_USERS.order.password,
          database: name,
        },
        replicas: [],
        pool: { poolSize },
      })),
  );
  return new DataSources(specs, logger, new MetricsRegistry('load-kit', 'order-primaries'));
}
