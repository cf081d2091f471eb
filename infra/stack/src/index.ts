/** The stack manager's programmatic API, used by the test kit for fault tests. */
export { COMPONENTS, allDaemons, down, formatStatus, stackRunning, status, up } from './stack';
export { killDaemon, logFileOf, runningPid } from './proc';
export { fourLetterWord, parseKeyValues, portOpen, redisPing } from './net';
export {
  KAFKA_NODES,
  LOG_DIR,
  MYSQL_INSTANCES,
  REDIS,
  STACK_DIR,
  ZK_SERVERS,
  VERSIONS,
  REPO_ROOT,
  type MysqlInstanceSpec,
  type ZkServerSpec,
} from './topology';
export { zkNodeState, type ZkNodeState } from './components/zookeeper.component';
export { replicaState, rootQuery } from './components/mariadb.component';
export { ensurePlatformTopics, TOPIC_PARTITIONS } from './components/kafka.component';
export type { ServerStatus, StackComponent } from './components/component';
export { composeInitSql, composeSqlPath } from './compose-sql';
export { run } from './proc';
export { compareVotes, electionNotifications, type ElectionNotification } from './zk-election-log';
export { appInstance, startApp, stopApp, waitAppReady, type AppInstance, type AppName } from './app-process';
export { BENCH_PACKAGES, classpath, ensureDebianPackages } from './install';
export { tour } from './tour';
