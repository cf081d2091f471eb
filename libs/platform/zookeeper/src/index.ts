export { acl, digestId, PERMS } from './acl';
export { type ConnectionState, type ConnectionStateChange, type ConnectionStateListener } from './connection-state';
export { ExponentialBackoffRetry, NO_RETRY, RetryNTimes, RetryUntilElapsed, type RetryPolicy } from './retry/retry-policy';
export { isZkError, ZK_CODES, ZkError } from './zk-error';
export type { CreateMode, WatchEvent, WatchEventType, Watcher, ZkStat } from './zk-types';
export { ZnodeCodec, ZnodeCodecError } from './znode-codec';
export {
  DEFAULT_ZOOKEEPER_CLIENT_OPTIONS,
  ZookeeperClient,
  type ZkAcl,
  type ZkAuth,
  type ZookeeperClientOptions,
} from './zookeeper-client';
export { ZOOKEEPER_ENV_SCHEMA, ZookeeperModule, type ZookeeperModuleOptions } from './zookeeper.module';
export { ConfigCenter, type ConfigCenterOptions } from './recipes/config-center.recipe';
export { ConfigStoreUnavailableError, ConfigValueError, type ConfigEntry, type ConfigHistoryEntry } from './recipes/config-entry';
export { ConfigWriter, type ConfigWriterOptions } from './recipes/config-writer';
export { InterProcessMutex, type LockLossReason } from './recipes/inter-process-mutex.recipe';
export { LeaderLatch } from './recipes/leader-latch.recipe';
export { SERVICE_INSTANCE_CODEC, type ServiceInstance } from './recipes/service-instance.codec';
export { ServiceDiscovery, type ServiceDiscoveryOptions } from './recipes/service-discovery.recipe';
export { ServiceRegistry, type ServiceRegistryOptions } from './recipes/service-registry.recipe';
export type { SelectionContext, SelectionStrategy } from './recipes/strategies/selection-strategy';
export { createStrategy, STRATEGY_NAMES } from './recipes/strategies/strategy-registry';
export { WorkerIdAllocator } from './recipes/worker-id-allocator.recipe';
export { ItemAssignment, type AssignmentListener } from './recipes/item-assignment.recipe';
