/** Tables sharded together by user id ("binding tables"): a user's orders, their items, idempotency keys and outbox rows share a shard. */
export const ORDER_TABLES = {
  orders: 'orders',
  items: 'order_items',
  idempotency: 'idempotency_keys',
  outbox: 'outbox',
} as const;

/** Physical tables per order database (`orders_0`, `orders_1`). */
export const TABLES_PER_DATABASE = 2;

/** The order databases, one per cluster. */
export const ORDER_DATABASES = ['order_db_0', 'order_db_1'] as const;
