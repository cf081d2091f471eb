import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EntitySchema } from 'typeorm';
import { ErrorMapper, HealthRegistry, JSON_LOGGER, MetricsRegistry, type JsonLogger } from '@dsp/service-defaults';
import { migrate, type MigrationClass } from './migration-runner';
import type { MysqlEndpoint } from './mysql-endpoint';
import { ReadWriteDataSource, type ReadWriteDataSourceOptions } from './read-write-data-source';
import { SqlNode, SqlNodeUnavailableError, type SqlNodeOptions } from './sql-node';
import { InvalidCursorError } from './sharding/keyset-cursor';
import { MissingShardingKeyError } from './sharding/shard-router';
import { ClockMovedBackwardsError } from './sharding/snowflake-id-generator';

/** One logical database: a primary, its replicas, and how to migrate it. */
export interface DataSourceSpec {
  /** e.g. `user_db`; the name `DataSources.get()` takes. */
  name: string;
  primary: MysqlEndpoint;
  replicas: MysqlEndpoint[];
  entities?: EntitySchema[];
  /** typeorm migrations applied at boot with `migrator` credentials (DDL account). */
  migrations?: MigrationClass[];
  migrator?: { user: string; password: string };
  routing?: Partial<Omit<ReadWriteDataSourceOptions, 'name'>>;
  pool?: Partial<Omit<SqlNodeOptions, 'entities'>>;
}

/** Every logical database of a service, by name. */
export class DataSources {
  private readonly sources = new Map<string, ReadWriteDataSource>();

  constructor(specs: readonly DataSourceSpec[], logger: JsonLogger, metrics: MetricsRegistry) {
    for (const s of specs) {
      if (this.sources.has(s.name)) throw new Error(`duplicate data source "${s.name}"`);
      const nodeOpts = { ...s.pool, entities: s.entities ?? [] };
      this.sources.set(
        s.name,
        new ReadWriteDataSource(
          new SqlNode(s.primary, logger, nodeOpts),
          s.replicas.map((r) => new SqlNode(r, logger, nodeOpts)),
          logger,
          { ...s.routing, name: s.name },
          metrics,
        ),
      );
    }
  }

  get(name: string): ReadWriteDataSource {
    const s = this.sources.get(name);
    if (!s) throw new Error(`no data source "${name}"; known: ${[...this.sources.keys()].join(', ')}`);
    return s;
  }

  all(): ReadWriteDataSource[] {
    return [...this.sources.values()];
  }
}

class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly specs: readonly DataSourceSpec[],
    private readonly sources: DataSources,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const spec of this.specs) {
      if (spec.migrations?.length) {
        if (!spec.migrator) throw new Error(`data source ${spec.name} has migrations but no migrator credentials`);
        await migrate({ ...spec.primary, ...spec.migrator, label: `${spec.primary.label} (migrator)` }, spec.migrations, this.logger);
      }
    }
    for (const s of this.sources.all()) {
      await s.start();
      for (const c of s.healthChecks()) this.health.register(c);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.sources.all().map((s) => s.close()));
  }
}

/**
 * Provides {@link DataSources}: one read/write-splitting data source per
 * logical database, migrated at boot (DDL account, once per fleet), started
 * with a readiness check on each primary, and closed on shutdown.
 */
@Module({})
export class DatabaseModule {
  static forRoot(specs: readonly DataSourceSpec[]): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: DataSources,
          inject: [JSON_LOGGER, MetricsRegistry, ErrorMapper],
          useFactory: (logger: JsonLogger, metrics: MetricsRegistry, errors: ErrorMapper) => {
            errors
              .register(SqlNodeUnavailableError, 503)
              .register(MissingShardingKeyError, 400)
              .register(InvalidCursorError, 400)
              .register(ClockMovedBackwardsError, 503);
            return new DataSources(specs, logger, metrics);
          },
        },
        {
          provide: DatabaseLifecycle,
          inject: [DataSources, HealthRegistry, JSON_LOGGER],
          useFactory: (s: DataSources, h: HealthRegistry, l: JsonLogger) => new DatabaseLifecycle(specs, s, h, l),
        },
      ],
      exports: [DataSources],
    };
  }
}
