import { DataSource, type MigrationInterface } from 'typeorm';
import type { JsonLogger } from '@dsp/service-defaults';
import type { MysqlEndpoint } from './mysql-endpoint';

export type MigrationClass = new () => MigrationInterface;

export interface MigrateOptions {
  /** Keep trying to reach the primary this long before failing the boot, in ms. @default 20000 */
  connectDeadlineMs: number;
  /** Wait this long for another instance's migration lock, in s. @default 60 */
  lockWaitSeconds: number;
}

/**
 * Applies typeorm migrations to one database with the DDL account, once per
 * fleet: a `GET_LOCK` on the primary serialises instances that boot together,
 * and typeorm's `migrations` table makes a second run a no-op. Services use
 * their DML-only account for everything else.
 */
export async function migrate(
  endpoint: MysqlEndpoint,
  migrations: MigrationClass[],
  logger: JsonLogger,
  options: Partial<MigrateOptions> = {},
): Promise<string[]> {
  const { connectDeadlineMs = 20_000, lockWaitSeconds = 60 } = options;
  const ds = new DataSource({
    type: 'mariadb',
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.user,
    password: endpoint.password,
    database: endpoint.database,
    poolSize: 2,
    connectTimeout: 2000,
    migrations,
    migrationsTableName: 'schema_migrations',
  });
  const deadline = Date.now() + connectDeadlineMs;
  for (;;) {
    try {
      await ds.initialize();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        throw new Error(
          `cannot migrate ${endpoint.label} (${endpoint.host}:${endpoint.port}/${endpoint.database}): ${(e as Error).message}`,
        );
      }
      logger.warn({ component: 'migrate', endpoint: endpoint.label, err: (e as Error).message }, 'primary unreachable; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const lock = ds.createQueryRunner('master');
  const lockName = `dsp-migrate:${endpoint.database}`;
  try {
    await lock.connect();
    const got = (await lock.query('SELECT GET_LOCK(?, ?) AS ok', [lockName, lockWaitSeconds])) as { ok: number | string }[];
    if (Number(got[0]?.ok) !== 1) throw new Error(`migration lock ${lockName} not acquired within ${lockWaitSeconds} s`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name);
    logger.info({ component: 'migrate', endpoint: endpoint.label, applied: names }, `migrations: ${names.length} applied`);
    await lock.query('SELECT RELEASE_LOCK(?)', [lockName]);
    return names;
  } finally {
    await lock.release().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
  }
}
