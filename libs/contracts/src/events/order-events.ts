/**
 * Order events on Kafka, versioned by topic name (`order.created.v1`). The
 * envelope is the same for every event; consumers reject an unknown
 * `version` into the topic's `.dlq` with the reason.
 */
export interface EventEnvelope<T extends string, P> {
  /** Unique per event: the consumers' inbox key (effectively-once). */
  eventId: string;
  type: T;
  version: 1;
  /** The aggregate (order id): also the Kafka message key, so per-order order holds. */
  aggregateId: string;
  occurredAt: string;
  payload: P;
}

export interface OrderSnapshot {
  orderId: string;
  userId: string;
  status: 'CREATED' | 'PAID' | 'CANCELLED';
  totalCents: string;
  currency: string;
}

export type OrderCreatedV1 = EventEnvelope<'order.created', OrderSnapshot>;
export type OrderPaidV1 = EventEnvelope<'order.paid', OrderSnapshot>;
export type OrderCancelledV1 = EventEnvelope<'order.cancelled', OrderSnapshot>;
export type OrderEventV1 = OrderCreatedV1 | OrderPaidV1 | OrderCancelledV1;
