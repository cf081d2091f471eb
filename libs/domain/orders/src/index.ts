export { CreateOrderTables1764201600000 } from './migrations/create-order-tables.migration';
export { IdempotencyInFlightError, IdempotencyMismatchError, OrderNotFoundError, OrderStateError, UnknownSkuError } from './order-errors';
export { ORDER_DATABASES, ORDER_TABLES, TABLES_PER_DATABASE } from './order-tables';
export { DEFAULT_ORDERS_SERVICE_OPTIONS, OrdersService, type OrdersServiceOptions, type OrderWrite } from './orders.service';
export { ProductCatalog, type Product } from './product-catalog';
export { PRODUCT_ENTITY, type ProductRow } from './product.entity';
export { DEFAULT_OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxPublisher, type OutboxRelayOptions } from './outbox-relay';
export { CreateJobFences1764374400000 } from './migrations/create-job-fences.migration';
export { FencedOffError, UnpaidOrderCanceller } from './unpaid-order-canceller';
