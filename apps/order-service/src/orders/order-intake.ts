import { randomUUID } from 'node:crypto';
import { parseOrderRequest, TOPICS, type OrderLineRequest, type OrderRequestV1 } from '@dsp/contracts';
import { IdempotencyMismatchError, UnknownSkuError, type OrdersService } from '@dsp/orders';
import type { EventProducer, IncomingMessage } from '@dsp/messaging';
import type { JsonLogger } from '@dsp/service-defaults';
import type { RateGate, RedisConnection } from '@dsp/redis';

export type TicketStatus =
  | { ticket: string; status: 'pending' }
  | { ticket: string; status: 'created'; orderId: string }
  | { ticket: string; status: 'rejected'; reason: string };

const TICKET_TTL_S = 24 * 3600;

/**
 * Peak shaving (docs/notes.md#n5): `submit` only validates, queues the request on
 * Kafka and hands back a ticket (202), so intake stays fast under a burst;
 * `consume` creates the orders at the rate the config center allows
 * (`intake.ratePerSecond`, fleet-wide through a Redis {@link RateGate}, live).
 * The ticket is the idempotency key: a redelivered request creates nothing new.
 * Tickets live in Redis for a day.
 */
export class OrderIntake {
  constructor(
    private readonly orders: OrdersService,
    private readonly producer: EventProducer,
    private readonly redis: RedisConnection,
    private readonly gate: RateGate,
    private readonly ratePerSecond: () => number,
    private readonly logger: JsonLogger,
  ) {}

  private key(ticket: string): string {
    return `dsp:ticket:${ticket}`;
  }

  async submit(userId: string, items: OrderLineRequest[]): Promise<TicketStatus> {
    const ticket = randomUUID();
    const request: OrderRequestV1 = { version: 1, ticket, userId, items, requestedAt: new Date().toISOString() };
    await this.redis.client
      .multi()
      .hset(this.key(ticket), 'userId', userId, 'status', 'pending')
      .expire(this.key(ticket), TICKET_TTL_S)
      .exec();
    try {
      await this.producer.send(TOPICS.orderRequests, [{ key: userId, value: JSON.stringify(request) }]);
    } catch (e) {
      await this.redis.client.del(this.key(ticket)).catch(() => undefined);
      throw e;
    }
    return { ticket, status: 'pending' };
  }

  /** The ticket's state for its owner; undefined when unknown (or another user's). */
  async status(userId: string, ticket: string): Promise<TicketStatus | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(ticket)) return undefined;
    const h = await this.redis.client.hgetall(this.key(ticket));
    if (!h['status'] || h['userId'] !== userId) return undefined;
    if (h['status'] === 'created') return { ticket, status: 'created', orderId: h['orderId'] ?? '' };
    if (h['status'] === 'rejected') return { ticket, status: 'rejected', reason: h['reason'] ?? '' };
    return { ticket, status: 'pending' };
  }

  /** Handles one queued request: waits for the rate gate, creates the order (idempotent by ticket), records the outcome. */
  async consume(m: IncomingMessage): Promise<void> {
    const req = parseOrderRequest(m.value);
    await this.gate.take(this.ratePerSecond());
    try {
      const w = await this.orders.place(req.userId, req.ticket, req.items);
      await this.redis.client.hset(this.key(req.ticket), 'status', 'created', 'orderId', w.order.id);
    } catch (e) {
      if (e instanceof UnknownSkuError || e instanceof IdempotencyMismatchError) {
        await this.redis.client.hset(this.key(req.ticket), 'status', 'rejected', 'reason', e.message);
        this.logger.info({ component: 'order-intake', ticket: req.ticket, reason: e.message }, 'order request rejected');
        return;
      }
      throw e;
    }
  }
}
