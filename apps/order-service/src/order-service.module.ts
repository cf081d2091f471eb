import { Module, type DynamicModule } from '@nestjs/common';
import { SERVICE_NAMES } from '@dsp/contracts';
import { DatabaseModule, parseHostPort, type DataSourceSpec } from '@dsp/database';
import { kafkaIdentityOf, KafkaModule } from '@dsp/messaging';
import { ORDER_DATABASES, ORDER_MIGRATIONS, PRODUCT_ENTITY } from '@dsp/orders';
import type { ServiceConfig, ServiceContext } from '@dsp/service-defaults';
import { redisIdentityOf, RedisModule, SessionModule } from '@dsp/redis';
import { ZookeeperModule } from '@dsp/zookeeper';
import { AdminModule } from './admin/admin.module';
import { FlashSaleModule } from './flash-sale/flash-sale.module';
import type { ORDER_SERVICE_ENV_SCHEMA } from './order-service.config';
import { ORDER_SERVICE_LIVE_CONFIG } from './order-service.live-config';
import { OrdersModule } from './orders/orders.module';

/**
 * order-service's composition root: the platform modules it stands on
 * (ZooKeeper with discovery of user-service and live config, Kafka, Redis
 * sessions, the two order clusters) and its feature modules, which mirror the
 * domain lib: `orders/` and `flash-sale/`.
 */
@Module({})
export class OrderServiceModule {
  static forRoot(ctx: ServiceContext<ServiceConfig<typeof ORDER_SERVICE_ENV_SCHEMA>>): DynamicModule {
    const { config } = ctx;
    const creds = { user: config.ORDER_DB_USER, password: config.ORDER_DB_PASSWORD };
    const shard = (n: 0 | 1, primary: string, replicas: string[]): DataSourceSpec => ({
      name: ORDER_DATABASES[n],
      primary: { label: `order_db_${n}:primary`, ...parseHostPort(primary), ...creds, database: ORDER_DATABASES[n] },
      replicas: replicas.map((r, i) => ({
        label: `order_db_${n}:replica${i}`,
        ...parseHostPort(r),
        ...creds,
        database: ORDER_DATABASES[n],
      })),
      entities: [PRODUCT_ENTITY],
      migrations: ORDER_MIGRATIONS,
      migrator: { user: config.ORDER_DB_MIGRATOR_USER, password: config.ORDER_DB_MIGRATOR_PASSWORD },
      routing: {
        strategy: config.DB_REPLICA_STRATEGY,
        maxLagMs: config.DB_MAX_REPLICA_LAG_MS,
        probeIntervalMs: config.DB_PROBE_INTERVAL_MS,
      },
    });
    const orders = OrdersModule.forRoot(ctx);
    return {
      module: OrderServiceModule,
      imports: [
        ZookeeperModule.forRoot({ ctx, discover: [SERVICE_NAMES.user], config: { schema: ORDER_SERVICE_LIVE_CONFIG, writer: true } }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.INSTANCE_ID, ...kafkaIdentityOf(config) }),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID, ...redisIdentityOf(config) }),
        SessionModule.forRoot(),
        DatabaseModule.forRoot([
          shard(0, config.ORDER_DB_0_PRIMARY, config.ORDER_DB_0_REPLICAS),
          shard(1, config.ORDER_DB_1_PRIMARY, config.ORDER_DB_1_REPLICAS),
        ]),
        AdminModule.forRoot(config.ADMIN_TOKEN),
        orders,
        FlashSaleModule.forRoot(ctx, orders),
      ],
    };
  }
}
