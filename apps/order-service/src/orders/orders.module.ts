import { Module, type DynamicModule } from '@nestjs/common';
import { KAFKA_GROUPS } from '@dsp/contracts';
import { createShardingAlgorithm, DataSources, ShardingRule, ShardRouter } from '@dsp/database';
import { EventProducer, KafkaModule, KafkaRuntime } from '@dsp/messaging';
import { ORDER_DATABASES, OrdersService, OutboxRelay, ProductCatalog, TABLES_PER_DATABASE, UnpaidOrderCanceller } from '@dsp/orders';
import { ServiceClient } from '@dsp/service-client';
import { ErrorMapper, type ServiceConfig, type ServiceContext } from '@dsp/service-defaults';
import { RateGate, RedisConnection } from '@dsp/redis';
import {
  ConfigCenter,
  createStrategy,
  ItemAssignment,
  LeaderLatch,
  ServiceDiscovery,
  WorkerIdAllocator,
  ZookeeperClient,
} from '@dsp/zookeeper';
import type { ORDER_SERVICE_ENV_SCHEMA } from '../order-service.config';
import type { ORDER_SERVICE_LIVE_CONFIG } from '../order-service.live-config';
import { AdminOrdersController } from './admin-orders.controller';
import { OrderIds } from './order-ids';
import { OrderIdsLifecycle } from './order-ids.lifecycle';
import { OrderIntake } from './order-intake';
import { ORDERS_ERROR_STATUS } from './orders.errors';
import { OrdersController } from './orders.controller';
import { OutboxRelayLifecycle } from './outbox-relay.lifecycle';
import { UnpaidOrdersJobLifecycle } from './unpaid-orders-job.lifecycle';
import { UserDirectory } from './user-directory';

/** Consumer group that turns queued order requests into orders. */
export const INTAKE_GROUP = KAFKA_GROUPS.orderIntake.groupId;

const ORDERS_ERRORS = Symbol('ORDERS_ERRORS');

type OrderServiceContext = ServiceContext<ServiceConfig<typeof ORDER_SERVICE_ENV_SCHEMA>>;
type LiveConfig = ConfigCenter<typeof ORDER_SERVICE_LIVE_CONFIG>;

/**
 * The orders feature: orders sharded by user over two clusters, the
 * transactional outbox and its relay (on the latch holder), queued orders
 * (peak shaving), and the unpaid-order job. Exports the shard router, the
 * snowflake ids and {@link OrdersService} to the features that place orders
 * too (flash sales).
 */
@Module({})
export class OrdersModule {
  static forRoot(ctx: OrderServiceContext): DynamicModule {
    const { config, logger } = ctx;
    return {
      module: OrdersModule,
      controllers: [OrdersController, AdminOrdersController],
      providers: [
        { provide: ORDERS_ERRORS, inject: [ErrorMapper], useFactory: (errors: ErrorMapper) => errors.registerAll(ORDERS_ERROR_STATUS) },
        {
          provide: OrderIds,
          inject: [ZookeeperClient],
          useFactory: (zk: ZookeeperClient) =>
            new OrderIds(new WorkerIdAllocator(zk, config.SERVICE_NAME, config.INSTANCE_ID, logger), logger),
        },
        {
          provide: ShardRouter,
          inject: [DataSources],
          useFactory: (sources: DataSources) =>
            new ShardRouter(
              new ShardingRule(
                ORDER_DATABASES,
                TABLES_PER_DATABASE,
                createShardingAlgorithm(config.ORDER_SHARDING_ALGORITHM, { bounds: config.ORDER_SHARDING_RANGE_BOUNDS }),
              ),
              (name) => sources.get(name),
            ),
        },
        {
          provide: OrdersService,
          inject: [ShardRouter, OrderIds],
          useFactory: (router: ShardRouter, ids: OrderIds) => new OrdersService(router, () => ids.current),
        },
        {
          provide: ProductCatalog,
          inject: [DataSources],
          useFactory: (sources: DataSources) => new ProductCatalog(sources, ORDER_DATABASES),
        },
        {
          provide: ServiceClient,
          inject: [ServiceDiscovery],
          useFactory: (discovery: ServiceDiscovery) => {
            const strategy = createStrategy('round-robin');
            return new ServiceClient(discovery, () => strategy, logger, {
              timeoutMs: config.USER_SERVICE_TIMEOUT_MS,
              tokens: ctx.serviceTokens,
            });
          },
        },
        { provide: UserDirectory, inject: [ServiceClient], useFactory: (c: ServiceClient) => new UserDirectory(c) },
        {
          provide: OrderIdsLifecycle,
          inject: [OrderIds, ServiceClient],
          useFactory: (ids: OrderIds, c: ServiceClient) => new OrderIdsLifecycle(ids, c),
        },
        {
          provide: OutboxRelay,
          inject: [ShardRouter, EventProducer],
          useFactory: (router: ShardRouter, producer: EventProducer) => new OutboxRelay(router, producer, logger, {}, ctx.metrics),
        },
        {
          provide: OutboxRelayLifecycle,
          inject: [ZookeeperClient, OutboxRelay, KafkaRuntime],
          useFactory: (zk: ZookeeperClient, relay: OutboxRelay, kafka: KafkaRuntime) =>
            new OutboxRelayLifecycle(
              new LeaderLatch(zk, 'order-outbox-relay', config.INSTANCE_ID, logger),
              relay,
              () => kafka.producerReady(),
              logger,
            ),
        },
        {
          provide: OrderIntake,
          inject: [OrdersService, EventProducer, RedisConnection, ConfigCenter],
          useFactory: (orders: OrdersService, producer: EventProducer, redis: RedisConnection, live: LiveConfig) =>
            new OrderIntake(
              orders,
              producer,
              redis,
              new RateGate(() => redis.client, 'order-intake'),
              () => live.view['intake.ratePerSecond'],
              logger,
            ),
        },
        KafkaModule.consumer({
          group: KAFKA_GROUPS.orderIntake,
          inject: [OrderIntake],
          handle: (intake: OrderIntake) => (m) => intake.consume(m),
        }),
        {
          provide: UnpaidOrdersJobLifecycle,
          inject: [ZookeeperClient, ShardRouter, ConfigCenter],
          useFactory: (zk: ZookeeperClient, router: ShardRouter, live: LiveConfig) => {
            const job = new UnpaidOrderCanceller(router, logger);
            return new UnpaidOrdersJobLifecycle(
              zk,
              new ItemAssignment(zk, 'cancel-unpaid-orders', config.INSTANCE_ID, job.items(), logger),
              job,
              () => ({ intervalSeconds: live.view['jobs.scanIntervalSeconds'], maxAgeSeconds: live.view['jobs.unpaidOrderMaxAgeSeconds'] }),
              logger,
            );
          },
        },
      ],
      exports: [ShardRouter, OrderIds, OrdersService],
    };
  }
}
