/** The stack manager's programmatic API, used by the test kit for fault tests. */
export { COMPONENTS, allDaemons, down, formatStatus, provision, stackRunning, status, up } from './stack';
export { killDaemon, logFileOf, runningPid } from './proc';
export { fourLetterWord, parseKeyValues, portOpen, redisPing } from './net';
export {
  KAFKA_NODES,
  LOG_DIR,
  MYSQL_INSTANCES,
  PROMETHEUS,
  REDIS,
  REGISTRY_SD,
  STACK_DIR,
  ZIPKIN,
  ZK_SERVERS,
  VERSIONS,
  REPO_ROOT,
  type MysqlInstanceSpec,
  type ZkServerSpec,
} from './topology';
export { zkNodeState, type ZkNodeState } from './components/zookeeper.component';
export { replicaState, rootQuery } from './components/mariadb.component';
export { ensurePlatformTopics, serverProperties, TOPIC_PARTITIONS } from './components/kafka.component';
export { redisAclLines } from './components/redis.component';
export type { ServerStatus, StackComponent } from './components/component';
export { composeDir, composeEnv, composeFiles, composeInitSql, composePlacement, writeComposeFiles } from './compose';
export { localSecretLabels, localSecretValue } from './secrets';
export { run } from './proc';
export { compareVotes, electionNotifications, type ElectionNotification } from './zk-election-log';
export { appInstance, startApp, stopApp, waitAppReady, type AppInstance, type AppName } from './app-process';
export { BENCH_PACKAGES, TEST_PACKAGES, classpath, ensureDebianPackages, ensureHadolint, hadolintPath } from './install';
export { tour } from './tour';
export { zipkinNetns } from './components/zipkin.component';
export { prometheusTargets, type HttpSdGroup } from './registry-sd';
export { PROMETHEUS_RULES } from './components/prometheus.component';
export { decide as traceGuardDecision, type TraceDecision } from './trace-guard-rights';
export { removeService, type ServiceResources } from './remove-service';
