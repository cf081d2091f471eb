import { Module, type DynamicModule } from '@nestjs/common';
import { KAFKA_GROUPS } from '@dsp/contracts';
import { ShardRouter } from '@dsp/database';
import { consumerToken, ConsumerRunner, EventProducer, KafkaModule } from '@dsp/messaging';
import {
  DbAtomicStrategy,
  FlashSaleLedger,
  FlashSaleReconciler,
  FlashSaleService,
  OrdersService,
  PurchaseStrategies,
  RedisLockStrategy,
  RedisReserveStrategy,
  StockReservations,
  ZkLockStrategy,
} from '@dsp/orders';
import { ErrorMapper, type ServiceConfig, type ServiceContext } from '@dsp/service-defaults';
import { RedisConnection, RedisLockWakeups, redisIdentityOf } from '@dsp/redis';
import { ZookeeperClient } from '@dsp/zookeeper';
import type { ORDER_SERVICE_ENV_SCHEMA } from '../order-service.config';
import { OrderIds } from '../orders/order-ids';
import { FlashSaleConsumer } from './flash-sale-consumer';
import { FLASH_SALE_ERROR_STATUS } from './flash-sale.errors';
import { FlashSaleJobsLifecycle } from './flash-sale-jobs.lifecycle';
import { FlashSalesController } from './flash-sales.controller';

/** Consumer group that turns flash-sale reservations into units and orders. */
export const FLASH_SALE_GROUP = KAFKA_GROUPS.orderFlashSale.groupId;

const FLASH_SALE_ERRORS = Symbol('FLASH_SALE_ERRORS');

/**
 * The flash-sale feature (docs/notes.md#n29): sales on the order databases, the four
 * purchase strategies looked up by name, the reservation consumer of
 * `redis-reserve`, and the background completer and reconciler. Its orders are
 * placed through the orders feature's {@link OrdersService}.
 */
@Module({})
export class FlashSaleModule {
  /** @param orders  the orders feature this one places its orders through (the same module object the app imports). */
  static forRoot(ctx: ServiceContext<ServiceConfig<typeof ORDER_SERVICE_ENV_SCHEMA>>, orders: DynamicModule): DynamicModule {
    const { config, logger } = ctx;
    return {
      module: FlashSaleModule,
      imports: [orders],
      controllers: [FlashSalesController],
      providers: [
        {
          provide: FLASH_SALE_ERRORS,
          inject: [ErrorMapper],
          useFactory: (errors: ErrorMapper) => errors.registerAll(FLASH_SALE_ERROR_STATUS),
        },
        {
          provide: FlashSaleLedger,
          inject: [ShardRouter, OrderIds],
          useFactory: (router: ShardRouter, ids: OrderIds) => new FlashSaleLedger(router, () => ids.current),
        },
        { provide: StockReservations, inject: [RedisConnection], useFactory: (redis: RedisConnection) => new StockReservations(redis) },
        {
          provide: RedisLockWakeups,
          useFactory: () =>
            new RedisLockWakeups({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID, ...redisIdentityOf(config) }, logger),
        },
        {
          provide: PurchaseStrategies,
          inject: [FlashSaleLedger, StockReservations, ZookeeperClient, RedisConnection, RedisLockWakeups, EventProducer],
          useFactory: (
            ledger: FlashSaleLedger,
            reservations: StockReservations,
            zk: ZookeeperClient,
            redis: RedisConnection,
            wakeups: RedisLockWakeups,
            producer: EventProducer,
          ) => {
            const timeout = { acquireTimeoutMs: config.FLASH_SALE_LOCK_TIMEOUT_MS };
            return new PurchaseStrategies([
              new ZkLockStrategy(zk, ledger, logger, timeout),
              new RedisLockStrategy(redis, ledger, logger, { ...timeout, leaseMs: config.FLASH_SALE_LEASE_MS, wakeups }),
              new DbAtomicStrategy(ledger),
              new RedisReserveStrategy(reservations, ledger, producer),
            ]);
          },
        },
        {
          provide: FlashSaleService,
          inject: [FlashSaleLedger, PurchaseStrategies, OrdersService, StockReservations],
          useFactory: (ledger: FlashSaleLedger, strategies: PurchaseStrategies, orders: OrdersService, reservations: StockReservations) =>
            new FlashSaleService(ledger, strategies, orders, reservations, logger, {
              pendingTakeoverMs: config.FLASH_SALE_PENDING_TAKEOVER_MS,
            }),
        },
        KafkaModule.consumer({
          group: KAFKA_GROUPS.orderFlashSale,
          inject: [FlashSaleService],
          handle: (sales: FlashSaleService) => {
            const consumer = new FlashSaleConsumer(sales);
            return (m) => consumer.consume(m);
          },
        }),
        {
          provide: FlashSaleJobsLifecycle,
          inject: [FlashSaleService, FlashSaleLedger, StockReservations, consumerToken(FLASH_SALE_GROUP)],
          useFactory: (
            sales: FlashSaleService,
            ledger: FlashSaleLedger,
            reservations: StockReservations,
            reservationsConsumer: ConsumerRunner,
          ) =>
            new FlashSaleJobsLifecycle(
              sales,
              new FlashSaleReconciler(ledger, reservations, () => reservationsConsumer.lagMonitor.lastLag === 0, logger, {
                quietMs: config.FLASH_SALE_RECONCILE_QUIET_MS,
              }),
              logger,
              { intervalMs: 1000, pendingAfterMs: config.FLASH_SALE_PENDING_TAKEOVER_MS },
            ),
        },
      ],
    };
  }
}
