import type { MigrationInterface, QueryRunner } from '@dsp/database';
import { ORDER_TABLES, TABLES_PER_DATABASE } from '../order-tables';

/**
 * Idempotency keys compare exactly: `idem_key` gets a binary collation, so
 * `CaseKey-0001` and `casekey-0001` are two keys (the table's default
 * `utf8mb4` collation folded case, accents and width, and replayed one order
 * for both). Keys that differ only that way cannot exist yet (they were one
 * primary key), so the change cannot collide.
 */
export class BinaryIdempotencyKeys1764633600000 implements MigrationInterface {
  name = 'BinaryIdempotencyKeys1764633600000';

  async up(q: QueryRunner): Promise<void> {
    for (let t = 0; t < TABLES_PER_DATABASE; t++)
      await q.query(
        `ALTER TABLE ${ORDER_TABLES.idempotency}_${t} MODIFY idem_key VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL`,
      );
  }

  async down(q: QueryRunner): Promise<void> {
    for (let t = 0; t < TABLES_PER_DATABASE; t++)
      await q.query(`ALTER TABLE ${ORDER_TABLES.idempotency}_${t} MODIFY idem_key VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL`);
  }
}
