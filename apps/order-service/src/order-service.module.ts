import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SERVICE_NAMES, TOPICS } from '@dsp/contracts';
import {
  createShardingAlgorithm,
  DatabaseModule,
  DataSources,
  parseHostPort,
  ShardingRule,
  ShardRouter,
  type DataSourceSpec,
} from '@dsp/database';
import { ConsumerLagMonitor, ConsumerRunner, EventConsumer, EventProducer, KafkaConnection, KafkaModule } from '@dsp/messaging';
import {
  AlreadyPurchasedError,
  CreateFlashSaleTables1764547200000,
  CreateJobFences1764374400000,
  CreateOrderTables1764201600000,
  DbAtomicStrategy,
  FlashSaleLedger,
  FlashSaleNotFoundError,
  FlashSaleReconciler,
  FlashSaleService,
  LockBusyError,
  LockServiceUnavailableError,
  PurchaseInProgressError,
  PurchaseStrategies,
  RedisLockStrategy,
  RedisReserveStrategy,
  SoldOutError,
  StaleLockTokenError,
  StockReservations,
  UnknownStrategyError,
  ZkLockStrategy,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  ORDER_DATABASES,
  OrderNotFoundError,
  OrdersService,
  OrderStateError,
  OutboxRelay,
  PRODUCT_ENTITY,
  ProductCatalog,
  TABLES_PER_DATABASE,
  UnknownSkuError,
  UnpaidOrderCanceller,
} from '@dsp/orders';
import { NoInstanceError, ServiceClient, UpstreamError } from '@dsp/service-client';
import { ErrorMapper, type ServiceConfig, type ServiceContext } from '@dsp/service-defaults';
import { RateGate, RedisConnection, RedisLockWakeups, RedisModule, SessionModule } from '@dsp/session';
import {
  ConfigCenter,
  createStrategy,
  ItemAssignment,
  LeaderLatch,
  ServiceDiscovery,
  WorkerIdAllocator,
  ZookeeperClient,
  ZookeeperModule,
} from '@dsp/zookeeper';
import { AdminOrdersController } from './admin-orders.controller';
import { ADMIN_TOKEN, AdminGuard } from './admin.guard';
import { FlashSaleConsumer } from './flash-sale-consumer';
import { FlashSaleJobsLifecycle } from './flash-sale-jobs.lifecycle';
import { FlashSalesController } from './flash-sales.controller';
import { NoWorkerIdError, OrderIds } from './order-ids';
import type { ORDER_SERVICE_ENV_SCHEMA } from './order-service.config';
import { ORDER_SERVICE_LIVE_CONFIG } from './order-service.live-config';
import { OrderIntake } from './order-intake';
import { OrdersController } from './orders.controller';
import { OutboxRelayLifecycle } from './outbox-relay.lifecycle';
import { UnpaidOrdersJobLifecycle } from './unpaid-orders-job.lifecycle';
import { UnknownUserError, UserDirectory } from './user-directory';

/** Consumer group that turns queued order requests into orders. */
const INTAKE_GROUP = 'order-service.intake';
/** Consumer group that turns flash-sale reservations into units and orders. */
const FLASH_SALE_GROUP = 'order-service.flash-sale';

/** The flash-sale reservation consumer (its own producer for retries and dead letters). */
class FlashSaleConsumerRunner extends ConsumerRunner {}

class OrderServiceLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly ids: OrderIds,
    private readonly client: ServiceClient,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ids.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.client.close();
    await this.ids.close();
  }
}

/** order-service: orders sharded by user over two clusters, events through an outbox. */
@Module({})
export class OrderServiceModule {
  static forRoot(ctx: ServiceContext<ServiceConfig<typeof ORDER_SERVICE_ENV_SCHEMA>>): DynamicModule {
    const { config, logger } = ctx;
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
      migrations: [CreateOrderTables1764201600000, CreateJobFences1764374400000, CreateFlashSaleTables1764547200000],
      migrator: { user: config.ORDER_DB_MIGRATOR_USER, password: config.ORDER_DB_MIGRATOR_PASSWORD },
      routing: {
        strategy: config.DB_REPLICA_STRATEGY,
        maxLagMs: config.DB_MAX_REPLICA_LAG_MS,
        probeIntervalMs: config.DB_PROBE_INTERVAL_MS,
      },
    });
    return {
      module: OrderServiceModule,
      imports: [
        ZookeeperModule.forRoot({ ctx, discover: [SERVICE_NAMES.user], config: { schema: ORDER_SERVICE_LIVE_CONFIG, writer: true } }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.INSTANCE_ID }),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID }),
        SessionModule.forRoot(),
        DatabaseModule.forRoot([
          shard(0, config.ORDER_DB_0_PRIMARY, config.ORDER_DB_0_REPLICAS),
          shard(1, config.ORDER_DB_1_PRIMARY, config.ORDER_DB_1_REPLICAS),
        ]),
      ],
      controllers: [OrdersController, AdminOrdersController, FlashSalesController],
      providers: [
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
          inject: [ShardRouter, OrderIds, ErrorMapper],
          useFactory: (router: ShardRouter, ids: OrderIds, errors: ErrorMapper) => {
            errors
              .register(OrderNotFoundError, 404)
              .register(OrderStateError, 409)
              .register(IdempotencyInFlightError, 409)
              .register(IdempotencyMismatchError, 422)
              .register(UnknownSkuError, 422)
              .register(UnknownUserError, 422)
              .register(NoWorkerIdError, 503)
              .register(NoInstanceError, 503)
              .register(UpstreamError, 502);
            return new OrdersService(router, () => ids.current);
          },
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
            return new ServiceClient(discovery, () => strategy, logger, { timeoutMs: config.USER_SERVICE_TIMEOUT_MS });
          },
        },
        { provide: UserDirectory, inject: [ServiceClient], useFactory: (c: ServiceClient) => new UserDirectory(c) },
        { provide: ADMIN_TOKEN, useValue: config.ADMIN_TOKEN },
        AdminGuard,
        {
          provide: EventProducer,
          inject: [KafkaConnection],
          useFactory: (kafka: KafkaConnection) => new EventProducer(kafka, logger),
        },
        {
          provide: OutboxRelay,
          inject: [ShardRouter, EventProducer],
          useFactory: (router: ShardRouter, producer: EventProducer) => new OutboxRelay(router, producer, logger, {}, ctx.metrics),
        },
        {
          provide: OrderIntake,
          inject: [OrdersService, EventProducer, RedisConnection, ConfigCenter],
          useFactory: (
            orders: OrdersService,
            producer: EventProducer,
            redis: RedisConnection,
            live: ConfigCenter<typeof ORDER_SERVICE_LIVE_CONFIG>,
          ) =>
            new OrderIntake(
              orders,
              producer,
              redis,
              new RateGate(() => redis.client, 'order-intake'),
              () => live.view['intake.ratePerSecond'],
              logger,
            ),
        },
        {
          provide: ConsumerRunner,
          inject: [KafkaConnection, EventProducer, OrderIntake],
          useFactory: (kafka: KafkaConnection, producer: EventProducer, intake: OrderIntake) =>
            new ConsumerRunner(
              producer,
              new EventConsumer(
                kafka,
                producer,
                (m) => intake.consume(m),
                logger,
                { groupId: INTAKE_GROUP, topics: [TOPICS.orderRequests] },
                ctx.metrics,
              ),
              new ConsumerLagMonitor(kafka, INTAKE_GROUP, [TOPICS.orderRequests], ctx.metrics, logger),
              logger,
            ),
        },
        {
          provide: UnpaidOrdersJobLifecycle,
          inject: [ZookeeperClient, ShardRouter, ConfigCenter],
          useFactory: (zk: ZookeeperClient, router: ShardRouter, live: ConfigCenter<typeof ORDER_SERVICE_LIVE_CONFIG>) => {
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
        {
          provide: OutboxRelayLifecycle,
          inject: [ZookeeperClient, OutboxRelay, ConsumerRunner],
          useFactory: (zk: ZookeeperClient, relay: OutboxRelay, intake: ConsumerRunner) =>
            new OutboxRelayLifecycle(
              new LeaderLatch(zk, 'order-outbox-relay', config.INSTANCE_ID, logger),
              relay,
              () => intake.producerReady(),
              logger,
            ),
        },
        {
          provide: FlashSaleLedger,
          inject: [ShardRouter, OrderIds],
          useFactory: (router: ShardRouter, ids: OrderIds) => new FlashSaleLedger(router, () => ids.current),
        },
        { provide: StockReservations, inject: [RedisConnection], useFactory: (redis: RedisConnection) => new StockReservations(redis) },
        {
          provide: RedisLockWakeups,
          useFactory: () => new RedisLockWakeups({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID }, logger),
        },
        {
          provide: FlashSaleService,
          inject: [
            FlashSaleLedger,
            StockReservations,
            OrdersService,
            ZookeeperClient,
            RedisConnection,
            RedisLockWakeups,
            EventProducer,
            ErrorMapper,
          ],
          useFactory: (
            ledger: FlashSaleLedger,
            reservations: StockReservations,
            orders: OrdersService,
            zk: ZookeeperClient,
            redis: RedisConnection,
            wakeups: RedisLockWakeups,
            producer: EventProducer,
            errors: ErrorMapper,
          ) => {
            errors
              .register(FlashSaleNotFoundError, 404)
              .register(SoldOutError, 409)
              .register(AlreadyPurchasedError, 409)
              .register(PurchaseInProgressError, 409)
              .register(LockBusyError, 503)
              .register(LockServiceUnavailableError, 503)
              .register(StaleLockTokenError, 503)
              .register(UnknownStrategyError, 400);
            const timeout = { acquireTimeoutMs: config.FLASH_SALE_LOCK_TIMEOUT_MS };
            const strategies = new PurchaseStrategies([
              new ZkLockStrategy(zk, ledger, logger, timeout),
              new RedisLockStrategy(redis, ledger, logger, { ...timeout, leaseMs: config.FLASH_SALE_LEASE_MS, wakeups }),
              new DbAtomicStrategy(ledger),
              new RedisReserveStrategy(reservations, ledger, producer),
            ]);
            return new FlashSaleService(ledger, strategies, orders, reservations, logger, {
              pendingTakeoverMs: config.FLASH_SALE_PENDING_TAKEOVER_MS,
            });
          },
        },
        {
          provide: FlashSaleConsumerRunner,
          inject: [KafkaConnection, FlashSaleService],
          useFactory: (kafka: KafkaConnection, sales: FlashSaleService) => {
            const producer = new EventProducer(kafka, logger);
            const consumer = new FlashSaleConsumer(sales);
            return new FlashSaleConsumerRunner(
              producer,
              new EventConsumer(
                kafka,
                producer,
                (m) => consumer.consume(m),
                logger,
                { groupId: FLASH_SALE_GROUP, topics: [TOPICS.flashSaleReserved] },
                ctx.metrics,
              ),
              new ConsumerLagMonitor(kafka, FLASH_SALE_GROUP, [TOPICS.flashSaleReserved], ctx.metrics, logger),
              logger,
            );
          },
        },
        {
          provide: FlashSaleJobsLifecycle,
          inject: [FlashSaleService, FlashSaleLedger, StockReservations, FlashSaleConsumerRunner],
          useFactory: (
            sales: FlashSaleService,
            ledger: FlashSaleLedger,
            reservations: StockReservations,
            runner: FlashSaleConsumerRunner,
          ) =>
            new FlashSaleJobsLifecycle(
              sales,
              new FlashSaleReconciler(ledger, reservations, () => runner.lagMonitor.lastLag === 0, logger, {
                quietMs: config.FLASH_SALE_RECONCILE_QUIET_MS,
              }),
              logger,
              { intervalMs: 1000, pendingAfterMs: config.FLASH_SALE_PENDING_TAKEOVER_MS },
            ),
        },
        {
          provide: OrderServiceLifecycle,
          inject: [OrderIds, ServiceClient],
          useFactory: (ids: OrderIds, c: ServiceClient) => new OrderServiceLifecycle(ids, c),
        },
      ],
    };
  }
}
