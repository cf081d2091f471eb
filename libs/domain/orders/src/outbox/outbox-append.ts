import { randomUUID } from 'node:crypto';
import type { OrderEventV1, OrderView } from '@dsp/contracts';
import type { EntityManager, ShardTarget } from '@dsp/database';
import { currentTraceparent } from '@dsp/telemetry';
import { ORDER_TABLES } from '../order-tables';

/**
 * The write half of the transactional outbox (docs/notes.md#n5): appends an order's
 * event to its shard's outbox table inside the caller's transaction, so the
 * event exists exactly when the change it describes committed. The
 * {@link OutboxRelay} publishes it afterwards, in the trace of the request
 * that wrote it (the row keeps its `traceparent`). The event id is the consumers'
 * inbox key; the order id is the Kafka key (per-order order).
 */
export async function appendOrderEvent(
  em: EntityManager,
  shard: ShardTarget,
  topic: string,
  type: OrderEventV1['type'],
  order: OrderView,
  at: Date,
): Promise<void> {
  const event = {
    eventId: randomUUID(),
    type,
    version: 1,
    aggregateId: order.id,
    occurredAt: at.toISOString(),
    payload: { orderId: order.id, userId: order.userId, status: order.status, totalCents: order.totalCents, currency: order.currency },
  } as OrderEventV1;
  // The request's trace goes with the row: the relay publishes the event as part of it.
  await em.query(
    `INSERT INTO ${shard.table(ORDER_TABLES.outbox)} (event_id, topic, msg_key, payload, created_at, traceparent) VALUES (?, ?, ?, ?, ?, ?)`,
    [event.eventId, topic, order.id, JSON.stringify(event), at, currentTraceparent() ?? null],
  );
}
