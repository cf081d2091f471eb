import type { OrderEventV1 } from '@dsp/contracts';
import type { ReadAfter, ReadWriteDataSource } from '@dsp/database';

/** A user's order statistics, kept from order events. */
export interface OrderStats {
  ordersCount: string;
  paidCount: string;
  totalSpentCents: string;
}

const CONSUMER = 'user-service.order-stats';

/**
 * Keeps per-user order statistics in `user_db` from `order.created.v1` (count)
 * and `order.paid.v1` (paid count, total spent): the decoupling of docs/notes.md#n5
 * (order-service never calls user-service for this).
 *
 * Effectively once: the event id goes into `inbox` in the same local
 * transaction as the effect; a redelivered event (at-least-once from Kafka, or
 * republished by the relay) finds its id there and changes nothing.
 */
export class OrderStatsProjector {
  constructor(private readonly db: ReadWriteDataSource) {}

  /** Applies one event; `duplicate` when it was applied before. */
  async apply(event: OrderEventV1): Promise<'applied' | 'duplicate' | 'ignored'> {
    if (event.type === 'order.cancelled') return 'ignored';
    const { result } = await this.db.write(async (em) => {
      const inbox = (await em.query('INSERT IGNORE INTO inbox (consumer, event_id, processed_at) VALUES (?, ?, NOW(3))', [
        CONSUMER,
        event.eventId,
      ])) as {
        affectedRows: number;
      };
      if (inbox.affectedRows === 0) return 'duplicate' as const;
      const { userId, totalCents } = event.payload;
      if (event.type === 'order.created') {
        await em.query(
          `INSERT INTO user_order_stats (user_id, orders_count, paid_count, total_spent_cents, updated_at) VALUES (?, 1, 0, 0, NOW(3))
           ON DUPLICATE KEY UPDATE orders_count = orders_count + 1, updated_at = NOW(3)`,
          [userId],
        );
      } else {
        await em.query(
          `INSERT INTO user_order_stats (user_id, orders_count, paid_count, total_spent_cents, updated_at) VALUES (?, 0, 1, ?, NOW(3))
           ON DUPLICATE KEY UPDATE paid_count = paid_count + 1, total_spent_cents = total_spent_cents + VALUES(total_spent_cents), updated_at = NOW(3)`,
          [userId, totalCents],
        );
      }
      return 'applied' as const;
    });
    return result;
  }

  async statsOf(userId: string, after?: ReadAfter): Promise<OrderStats> {
    const rows = (await this.db.read(
      (em) => em.query('SELECT orders_count, paid_count, total_spent_cents FROM user_order_stats WHERE user_id = ?', [userId]),
      { after },
    )) as { orders_count: string; paid_count: string; total_spent_cents: string }[];
    const r = rows[0];
    return {
      ordersCount: String(r?.orders_count ?? 0),
      paidCount: String(r?.paid_count ?? 0),
      totalSpentCents: String(r?.total_spent_cents ?? 0),
    };
  }
}
