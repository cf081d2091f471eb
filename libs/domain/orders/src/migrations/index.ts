import { BinaryIdempotencyKeys1764633600000 } from './binary-idempotency-keys.migration';
import { CreateFlashSaleTables1764547200000 } from './create-flash-sale-tables.migration';
import { CreateJobFences1764374400000 } from './create-job-fences.migration';
import { CreateOrderTables1764201600000 } from './create-order-tables.migration';
import { OutboxTraceparent1764892800000 } from './outbox-traceparent.migration';

/** Every migration of an order database, oldest first (what order-service applies at boot). */
export const ORDER_MIGRATIONS = [
  CreateOrderTables1764201600000,
  CreateJobFences1764374400000,
  CreateFlashSaleTables1764547200000,
  BinaryIdempotencyKeys1764633600000,
  OutboxTraceparent1764892800000,
];
