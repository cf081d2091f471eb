import type { MigrationInterface, QueryRunner } from '@dsp/database';
import { ORDER_TABLES, TABLES_PER_DATABASE } from '../order-tables';

/**
 * Creates, in one order database, `orders_<t>`, `order_items_<t>`,
 * `idempotency_keys_<t>` and `outbox_<t>` for each table index t, plus the
 * broadcast table `products` (the same rows in every order database).
 */
export class CreateOrderTables1764201600000 implements MigrationInterface {
  name = 'CreateOrderTables1764201600000';

  async up(q: QueryRunner): Promise<void> {
    for (let t = 0; t < TABLES_PER_DATABASE; t++) {
      await q.query(`CREATE TABLE IF NOT EXISTS ${ORDER_TABLES.orders}_${t} (
        id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
        user_id BIGINT UNSIGNED NOT NULL,
        status ENUM('CREATED','PAID','CANCELLED') NOT NULL,
        total_cents BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        KEY ix_user_created (user_id, created_at, id),
        KEY ix_created (created_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
      await q.query(`CREATE TABLE IF NOT EXISTS ${ORDER_TABLES.items}_${t} (
        order_id BIGINT UNSIGNED NOT NULL,
        line_no SMALLINT NOT NULL,
        sku VARCHAR(32) NOT NULL,
        quantity INT NOT NULL,
        unit_price_cents BIGINT NOT NULL,
        PRIMARY KEY (order_id, line_no)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
      await q.query(`CREATE TABLE IF NOT EXISTS ${ORDER_TABLES.idempotency}_${t} (
        user_id BIGINT UNSIGNED NOT NULL,
        idem_key VARCHAR(64) NOT NULL,
        request_hash CHAR(64) NOT NULL,
        state ENUM('in_flight','done') NOT NULL,
        status_code SMALLINT NULL,
        response JSON NULL,
        created_at DATETIME(3) NOT NULL,
        PRIMARY KEY (user_id, idem_key)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
      await q.query(`CREATE TABLE IF NOT EXISTS ${ORDER_TABLES.outbox}_${t} (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        event_id CHAR(36) NOT NULL,
        topic VARCHAR(128) NOT NULL,
        msg_key VARCHAR(64) NOT NULL,
        payload JSON NOT NULL,
        created_at DATETIME(3) NOT NULL,
        published_at DATETIME(3) NULL,
        attempts INT NOT NULL DEFAULT 0,
        UNIQUE KEY uq_event (event_id),
        KEY ix_unpublished (published_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    }
    await q.query(`CREATE TABLE IF NOT EXISTS products (
      sku VARCHAR(32) NOT NULL PRIMARY KEY,
      name VARCHAR(128) NOT NULL,
      price_cents BIGINT NOT NULL,
      updated_at DATETIME(3) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`INSERT IGNORE INTO products (sku, name, price_cents, updated_at) VALUES
      ('SKU-BOOK', 'Designing Data-Intensive Applications', 4500, NOW(3)),
      ('SKU-MUG', 'Consensus mug', 1200, NOW(3)),
      ('SKU-TEE', 'Split-brain T-shirt', 2500, NOW(3)),
      ('SKU-KEYB', 'Mechanical keyboard', 9900, NOW(3))`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (let t = 0; t < TABLES_PER_DATABASE; t++) {
      for (const name of Object.values(ORDER_TABLES)) await q.query(`DROP TABLE IF EXISTS ${name}_${t}`);
    }
    await q.query('DROP TABLE IF EXISTS products');
  }
}
