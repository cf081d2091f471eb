import type { MigrationInterface, QueryRunner } from '@dsp/database';

/**
 * `flash_sales` (a sale's stock, on the database its id's gene names) and
 * `flash_sale_purchases` (one row per buyer and sale: the primary key is what
 * makes "one unit per buyer" hold). The stock columns are unsigned and checked
 * (`stock + sold = stock_total`), so even a buggy caller cannot oversell.
 * `fence` is the highest lock token that has written the row.
 */
export class CreateFlashSaleTables1764547200000 implements MigrationInterface {
  name = 'CreateFlashSaleTables1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS flash_sales (
      id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
      sku VARCHAR(32) NOT NULL,
      strategy VARCHAR(16) NOT NULL,
      stock_total INT UNSIGNED NOT NULL,
      stock INT UNSIGNED NOT NULL,
      sold INT UNSIGNED NOT NULL DEFAULT 0,
      fence BIGINT UNSIGNED NOT NULL DEFAULT 0,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      CONSTRAINT chk_flash_sales_units CHECK (stock + sold = stock_total)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE IF NOT EXISTS flash_sale_purchases (
      sale_id BIGINT UNSIGNED NOT NULL,
      user_id BIGINT UNSIGNED NOT NULL,
      state ENUM('pending', 'ordered', 'rejected') NOT NULL,
      order_id BIGINT UNSIGNED NULL,
      token BIGINT UNSIGNED NULL,
      reason VARCHAR(160) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (sale_id, user_id),
      KEY idx_flash_sale_purchases_state (state, updated_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS flash_sale_purchases');
    await q.query('DROP TABLE IF EXISTS flash_sales');
  }
}
