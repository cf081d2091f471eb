import { Module, type DynamicModule } from '@nestjs/common';
import { SERVICE_NAMES } from '@dsp/contracts';
import { DatabaseModule, parseHostPort, type DataSourceSpec } from '@dsp/database';
import { KafkaModule } from '@dsp/messaging';
import type { ServiceConfig, ServiceContext } from '@dsp/service-defaults';
import { ZookeeperModule } from '@dsp/zookeeper';
import { ORDER_SERVICE_LIVE_CONFIG } from './order-service.live-config';
import type { ORDER_SERVICE_ENV_SCHEMA } from './order-service.config';

/** order-service: orders sharded over two clusters, events through Kafka. Wires its infrastructure. */
@Module({})
export class OrderServiceModule {
  static forRoot(ctx: ServiceContext<ServiceConfig<typeof ORDER_SERVICE_ENV_SCHEMA>>): DynamicModule {
    const { config } = ctx;
    const creds = { user: config.ORDER_DB_USER, password: config.ORDER_DB_PASSWORD };
    const shard = (n: 0 | 1, primary: string, replicas: string[]): DataSourceSpec => ({
      name: `order_db_${n}`,
      primary: { label: `order_db_${n}:primary`, ...parseHostPort(primary), ...creds, database: `order_db_${n}` },
      replicas: replicas.map((r, i) => ({ label: `order_db_${n}:replica${i}`, ...parseHostPort(r), ...creds, database: `order_db_${n}` })),
    });
    return {
      module: OrderServiceModule,
      imports: [
        ZookeeperModule.forRoot({ ctx, discover: [SERVICE_NAMES.user], config: { schema: ORDER_SERVICE_LIVE_CONFIG } }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.INSTANCE_ID }),
        DatabaseModule.forRoot([
          shard(0, config.ORDER_DB_0_PRIMARY, config.ORDER_DB_0_REPLICAS),
          shard(1, config.ORDER_DB_1_PRIMARY, config.ORDER_DB_1_REPLICAS),
        ]),
      ],
    };
  }
}
