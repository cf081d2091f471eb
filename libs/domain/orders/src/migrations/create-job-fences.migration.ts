import type { MigrationInterface, QueryRunner } from '@dsp/database';

/** `job_fences`: per work item, the highest lock token that has written; a write with a lower token is refused. */
export class CreateJobFences1764374400000 implements MigrationInterface {
  name = 'CreateJobFences1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS job_fences (
      item VARCHAR(64) NOT NULL PRIMARY KEY,
      token BIGINT UNSIGNED NOT NULL,
      updated_at DATETIME(3) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS job_fences');
  }
}
