import { PoisonMessageError } from './poison-message.error';

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

/** Checks an order event against the v1 envelope; anything else is poison (to the DLQ with the reason). */
export function parseOrderEvent(raw: string): OrderEventV1 {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new PoisonMessageError('not JSON');
  }
  const e = v as Partial<OrderEventV1> | null;
  if (!e || typeof e !== 'object') throw new PoisonMessageError('not an event envelope');
  if (e.version !== 1) throw new PoisonMessageError(`unknown event version ${JSON.stringify(e.version)} (this consumer reads version 1)`);
  if (e.type !== 'order.created' && e.type !== 'order.paid' && e.type !== 'order.cancelled') {
    throw new PoisonMessageError(`unknown event type ${JSON.stringify(e.type)}`);
  }
  if (typeof e.eventId !== 'string' || !/^[0-9a-f-]{36}$/.test(e.eventId)) throw new PoisonMessageError('eventId missing or not a UUID');
  const p = e.payload;
  if (!p || !/^\d{1,20}$/.test(String(p.userId)) || !/^\d{1,18}$/.test(String(p.totalCents))) {
    throw new PoisonMessageError('payload.userId / payload.totalCents missing or not numeric');
  }
  return e as OrderEventV1;
}
