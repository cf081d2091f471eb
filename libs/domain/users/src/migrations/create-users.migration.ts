import type { MigrationInterface, QueryRunner } from '@dsp/database';

/** Creates `users`: usernames unique case-insensitively (utf8mb4_unicode_ci), so "Alice" and "alice" are one account. */
export class CreateUsers1764115200000 implements MigrationInterface {
  name = 'CreateUsers1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS users (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      username VARCHAR(32) NOT NULL,
      password_hash VARCHAR(255) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      password_changed_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_users_username (username)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS users');
  }
}
