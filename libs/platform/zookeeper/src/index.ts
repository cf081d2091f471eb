export { isConnected, type ConnectionState, type ConnectionStateChange, type ConnectionStateListener } from './connection-state';
export { isZkError, ZK_CODES, ZkError, type ZkCodeName } from './zk-error';
export type { CreateMode, WatchEvent, WatchEventType, Watcher, ZkStat } from './zk-types';
export {
  DEFAULT_ZOOKEEPER_CLIENT_OPTIONS,
  ZookeeperClient,
  type ZkAcl,
  type ZkAuth,
  type ZookeeperClientOptions,
} from './zookeeper-client';
export { ZOOKEEPER_ENV_SCHEMA, ZookeeperModule } from './zookeeper.module';
