import { randomUUID } from 'node:crypto';
import { TOPICS, type OrderEventV1 } from '@dsp/contracts';
import type { ShardRouter, ShardTarget } from '@dsp/database';
import type { JsonLogger } from '@dsp/service-defaults';
import { ORDER_TABLES } from './order-tables';

/** A write carried a lock token older than one that already wrote: the holder lost its lock meanwhile. */
export class FencedOffError extends Error {
  constructor(item: string, mine: bigint, seen: bigint) {
    super(`work item ${item}: token ${mine} is fenced off by ${seen}`);
  }
}

/**
 * The scheduled job of docs/notes.md#n6: cancels unpaid (CREATED) orders older than
 * a configurable age. Its work is split into items, one per physical order
 * table (`order_db_1.orders_0`, ...), so instances can share it.
 *
 * `runItem` is safe against two runners of one item: it must be given the
 * fencing token of the item's lock, and in the same transaction as the
 * cancellations it raises the item's row in `job_fences` to that token and
 * refuses (rolls back) when a higher token already wrote.
 */
export class UnpaidOrderCanceller {
  constructor(
    private readonly router: ShardRouter,
    private readonly logger: JsonLogger,
    private readonly batchSize = 500,
  ) {}

  /** The work items: one per physical order table. */
  items(): string[] {
    return this.targets().map(([name]) => name);
  }

  private targets(): [string, ShardTarget][] {
    return this.router
      .all({ allowScatter: true, what: 'the unpaid-order job' })
      .map((t) => [`${t.source.name}.${t.table(ORDER_TABLES.orders)}`, t]);
  }

  /** Cancels one batch of expired unpaid orders in `item`; returns how many. Throws {@link FencedOffError} for a stale token. */
  async runItem(item: string, token: bigint, maxAgeSeconds: number): Promise<number> {
    const target = this.targets().find(([name]) => name === item)?.[1];
    if (!target) throw new Error(`unknown work item ${item}`);
    const orders = target.table(ORDER_TABLES.orders);
    const cutoff = new Date(Date.now() - maxAgeSeconds * 1000);
    const now = new Date();
    const { result } = await target.source.write(async (em) => {
      await em.query(
        'INSERT INTO job_fences (item, token, updated_at) VALUES (?, ?, NOW(3)) ON DUPLICATE KEY UPDATE token = GREATEST(token, VALUES(token)), updated_at = NOW(3)',
        [item, token.toString()],
      );
      const fence = (await em.query('SELECT token FROM job_fences WHERE item = ? FOR UPDATE', [item])) as { token: string }[];
      const seen = BigInt(fence[0]?.token ?? 0);
      if (seen > token) throw new FencedOffError(item, token, seen);
      const rows = (await em.query(
        `SELECT id, user_id, total_cents, currency FROM ${orders} WHERE status = 'CREATED' AND created_at < ? ORDER BY created_at LIMIT ? FOR UPDATE`,
        [cutoff, this.batchSize],
      )) as { id: string; user_id: string; total_cents: string; currency: string }[];
      for (const r of rows) {
        await em.query(`UPDATE ${orders} SET status = 'CANCELLED', updated_at = ? WHERE id = ?`, [now, r.id]);
        const event: OrderEventV1 = {
          eventId: randomUUID(),
          type: 'order.cancelled',
          version: 1,
          aggregateId: String(r.id),
          occurredAt: now.toISOString(),
          payload: {
            orderId: String(r.id),
            userId: String(r.user_id),
            status: 'CANCELLED',
            totalCents: String(r.total_cents),
            currency: r.currency,
          },
        };
        await em.query(
          `INSERT INTO ${target.table(ORDER_TABLES.outbox)} (event_id, topic, msg_key, payload, created_at) VALUES (?, ?, ?, ?, ?)`,
          [event.eventId, TOPICS.orderCancelled, String(r.id), JSON.stringify(event), now],
        );
      }
      return rows.length;
    });
    if (result > 0)
      this.logger.info({ component: 'unpaid-order-job', item, token: token.toString(), cancelled: result }, 'unpaid orders cancelled');
    return result;
  }
}
