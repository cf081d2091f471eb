export { ORDER_MIGRATIONS } from './migrations';
export { IdempotencyInFlightError, IdempotencyMismatchError, OrderNotFoundError, OrderStateError, UnknownSkuError } from './order-errors';
export { ORDER_DATABASES, TABLES_PER_DATABASE } from './order-tables';
export { DEFAULT_ORDERS_SERVICE_OPTIONS, OrdersService, type OrdersServiceOptions, type OrderWrite } from './orders.service';
export { ProductCatalog, type Product } from './product-catalog';
export { PRODUCT_ENTITY, type ProductRow } from './product.entity';
export { DEFAULT_OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxPublisher, type OutboxRelayOptions } from './outbox';
export { FencedOffError, UnpaidOrderCanceller } from './unpaid-order-canceller';
export * from './flash-sale';
