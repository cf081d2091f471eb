export { DatabaseModule, DataSources, type DataSourceSpec } from './database.module';
export { GtidPosition } from './gtid-position';
export { migrate, type MigrationClass } from './migration-runner';
export { parseHostPort, type MysqlEndpoint } from './mysql-endpoint';
export {
  ReadWriteDataSource,
  type ReadAfter,
  type ReadOptions,
  type ReadRoute,
  type ReadWriteDataSourceOptions,
} from './read-write-data-source';
export { DEFAULT_REPLICA_MONITOR_OPTIONS, ReplicaMonitor, type ReplicaMonitorOptions, type ReplicaStatus } from './replica/replica-monitor';
export { REPLICA_STRATEGY_NAMES } from './replica/replica-strategy-registry';
export type { ReplicaCandidate, ReplicaStrategy } from './replica/replica-strategy';
export { DEFAULT_SQL_NODE_OPTIONS, SqlNode, SqlNodeUnavailableError, type SqlNodeOptions, type SqlNodeState } from './sql-node';
export { EntitySchema, type EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
export { HashShardingAlgorithm } from './sharding/hash.algorithm';
export { InvalidCursorError, KeysetCursor, newestFirst, type Keyset } from './sharding/keyset-cursor';
export { ModShardingAlgorithm } from './sharding/mod.algorithm';
export { RangeShardingAlgorithm } from './sharding/range.algorithm';
export { createShardingAlgorithm, SHARDING_ALGORITHM_NAMES } from './sharding/sharding-algorithm-registry';
export type { ShardingAlgorithm } from './sharding/sharding-algorithm';
export { ShardingRule, type ShardLocation } from './sharding/sharding-rule';
export { MissingShardingKeyError, ShardRouter, type ShardTarget } from './sharding/shard-router';
export {
  ClockMovedBackwardsError,
  DEFAULT_SNOWFLAKE_OPTIONS,
  SnowflakeIdGenerator,
  type SnowflakeOptions,
  type SnowflakeParts,
} from './sharding/snowflake-id-generator';
