import type { MigrationInterface, QueryRunner } from '@dsp/database';

/**
 * `user_order_stats`: per-user order statistics kept by consuming order events
 * (user-service never asks order-service for them); `inbox`: the ids of the
 * events each consumer has applied, written in the same transaction as the
 * effect, so a redelivered event changes nothing (effectively once).
 */
export class CreateOrderStats1764288000000 implements MigrationInterface {
  name = 'CreateOrderStats1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS user_order_stats (
      user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
      orders_count BIGINT NOT NULL DEFAULT 0,
      paid_count BIGINT NOT NULL DEFAULT 0,
      total_spent_cents BIGINT NOT NULL DEFAULT 0,
      updated_at DATETIME(3) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE IF NOT EXISTS inbox (
      consumer VARCHAR(64) NOT NULL,
      event_id CHAR(36) NOT NULL,
      processed_at DATETIME(3) NOT NULL,
      PRIMARY KEY (consumer, event_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS inbox');
    await q.query('DROP TABLE IF EXISTS user_order_stats');
  }
}
