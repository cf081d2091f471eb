export { DatabaseModule, DataSources, type DataSourceSpec } from './database.module';
export { GtidPosition } from './gtid-position';
export { migrate, type MigrateOptions, type MigrationClass } from './migration-runner';
export { parseHostPort, type MysqlEndpoint } from './mysql-endpoint';
export { ReadWriteDataSource, type ReadOptions, type ReadRoute, type ReadWriteDataSourceOptions } from './read-write-data-source';
export { DEFAULT_REPLICA_MONITOR_OPTIONS, ReplicaMonitor, type ReplicaMonitorOptions, type ReplicaStatus } from './replica/replica-monitor';
export { createReplicaStrategy, REPLICA_STRATEGY_NAMES } from './replica/replica-strategy-registry';
export type { ReplicaCandidate, ReplicaStrategy } from './replica/replica-strategy';
export {
  DEFAULT_SQL_NODE_OPTIONS,
  isConnectionError,
  SqlNode,
  SqlNodeUnavailableError,
  type SqlNodeOptions,
  type SqlNodeState,
} from './sql-node';
export { EntitySchema, type EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
