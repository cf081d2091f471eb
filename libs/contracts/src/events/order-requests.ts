import type { OrderLineRequest } from '../http/orders.dto';
import { PoisonMessageError } from './poison-message.error';

/** A request for an order, as queued on `order.requests.v1` (key: user id) by `POST /api/orders/async`. */
export interface OrderRequestV1 {
  version: 1;
  /** The ticket the caller follows, and the order's idempotency key. */
  ticket: string;
  userId: string;
  items: OrderLineRequest[];
  requestedAt: string;
}

/** Checks a queued order request against v1; anything else is poison (to the DLQ with the reason). */
export function parseOrderRequest(raw: string): OrderRequestV1 {
  let req: OrderRequestV1;
  try {
    req = JSON.parse(raw) as OrderRequestV1;
  } catch {
    throw new PoisonMessageError('order request is not JSON');
  }
  if (!req || req.version !== 1 || typeof req.ticket !== 'string' || !/^\d+$/.test(String(req.userId)) || !Array.isArray(req.items)) {
    throw new PoisonMessageError(`not an order request v1 (version ${JSON.stringify(req?.version)})`);
  }
  return req;
}
