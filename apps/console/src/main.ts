import { join } from 'node:path';
import {
  CONSOLE_IDENTITIES,
  DB_USERS,
  KAFKA_IDENTITIES,
  localAdminToken,
  MYSQL_CLUSTERS,
  METRICS_IDENTITIES,
  metricsAuthorization,
  REDIS_IDENTITIES,
  ZK_IDENTITIES,
} from '@dsp/contracts';
import { electionNotifications, listeningPid, stackControl } from '@dsp/ops';
import { parseHostPort, SqlNode } from '@dsp/database';
import { KafkaConnection } from '@dsp/messaging';
import { RedisConnection } from '@dsp/redis';
import { ConfigError, createJsonLogger } from '@dsp/service-defaults';
import { ZookeeperClient } from '@dsp/zookeeper';
import { loadConsoleConfig, type ConsoleConfig } from './console.config';
import { ConsoleDoor } from './console-door';
import { buildConsoleServer } from './console-server';
import { DoorThrottle } from './door-throttle';
import { PrometheusAppliedConfig } from './experiments/applied-config';
import { ConfigChangeExperiment } from './experiments/config-change.experiment';
import { BuyerPool } from './experiments/buyer-pool';
import { ExperimentRunner } from './experiments/experiment-runner';
import { FlashSaleRaceExperiment } from './experiments/flash-sale-race.experiment';
import { GatewayFlashSales } from './experiments/gateway-flash-sales';
import { GatewayConfigAdmin } from './experiments/gateway-config-admin';
import { KafkaBrokerKillExperiment } from './experiments/kafka-broker-kill.experiment';
import { AdminKafkaLeaders } from './experiments/kafka-leaders';
import { InstanceFreezeExperiment } from './experiments/instance-freeze.experiment';
import { MariadbReplicaControl } from './experiments/replica-control';
import { ReplicaSqlStopExperiment } from './experiments/replica-sql-stop.experiment';
import type { StackHands } from './experiments/stack-hands';
import { LockHolderFreezeExperiment } from './experiments/lock-holder-freeze.experiment';
import { ChildLockHolders } from './experiments/lock-holders';
import { ZkLeaderElectionExperiment } from './experiments/zk-leader-election.experiment';
import { ZkQuorumLossExperiment, type ZkClientFactory } from './experiments/zk-quorum-loss.experiment';
import { Poller } from './poller';
import { CoordinationProbe } from './probes/coordination.probe';
import { KafkaProbe } from './probes/kafka.probe';
import { MariadbProbe } from './probes/mariadb.probe';
import { PrometheusClient } from './probes/prometheus-client';
import { PrometheusProbe } from './probes/prometheus.probe';
import type { Probe } from './probes/probe';
import { RedisProbe } from './probes/redis.probe';
import { ZookeeperEnsembleProbe } from './probes/zookeeper-ensemble.probe';

/** The console's probes, each with its own read-only identity (docs/console.md, "What the console may do"). */
function probes(c: ConsoleConfig, logger: ReturnType<typeof createJsonLogger>): Probe[] {
  const every = (n: number): number => c.CONSOLE_POLL_MS * n;
  // ZooKeeper: an anonymous session (world:anyone may read, ADR 0009); no credentials, no write right anywhere.
  const zk = new ZookeeperClient({ connectString: c.ZK_CONNECT, sessionTimeoutMs: 10_000, auth: [] }, logger);
  zk.start();
  const kafka = new KafkaConnection(
    { brokers: c.KAFKA_BROKERS, clientId: 'dsp-console', username: KAFKA_IDENTITIES.console.user, password: c.KAFKA_PASSWORD },
    logger,
  );
  const redis = new RedisConnection(
    {
      url: `redis://${c.REDIS_ADDRESS}`,
      username: REDIS_IDENTITIES.console.user,
      password: c.REDIS_PASSWORD,
      connectionName: 'dsp-console',
      maxRetriesPerRequest: 1,
    },
    logger,
  );
  const sql = (label: string, hostPort: string): SqlNode => {
    const node = new SqlNode(
      { label, ...parseHostPort(hostPort), user: DB_USERS.console.name, password: c.MYSQL_PASSWORD, database: '' },
      logger,
      { poolSize: 1 },
    );
    void node.start();
    return node;
  };
  const clusters = c.MYSQL_SERVERS.map((pair, index) => {
    const [primary = '', replica = ''] = pair.split('/');
    return { index, primary: sql(`cluster${index}:primary`, primary), replica: sql(`cluster${index}:replica`, replica) };
  });
  return [
    new ZookeeperEnsembleProbe(c.ZK_ENSEMBLE, every(1)),
    new CoordinationProbe(zk, every(1)),
    new KafkaProbe(kafka, every(2)),
    new MariadbProbe(clusters, every(2)),
    new RedisProbe(redis, every(2)),
    new PrometheusProbe(
      c.PROMETHEUS_URL,
      metricsAuthorization({ user: METRICS_IDENTITIES.console.user, password: c.PROMETHEUS_PASSWORD }),
      c.ZIPKIN_URL,
      every(2),
    ),
  ];
}

/** The stack manager's hands on this machine's stack (its pid files under .stack/). */
const HANDS: StackHands = {
  stackHere: () => stackControl.servers().some((s) => stackControl.pid(s) !== undefined),
  kill: (server) => void stackControl.kill(server),
  running: (server) => stackControl.pid(server) !== undefined,
  restart: (server) => stackControl.restart(server),
  votes: (myid, since) => electionNotifications(myid, since),
  listener: (address, port) => listeningPid(address, port),
  pause: (pid) => process.kill(pid, 'SIGSTOP'),
  resume: (pid) => process.kill(pid, 'SIGCONT'),
};

/** The experiments (local profile only): they act through the operator's identities, never the console's read-only ones. */
function experiments(c: ConsoleConfig, logger: ReturnType<typeof createJsonLogger>): ExperimentRunner {
  const operator = `${ZK_IDENTITIES.operator.user}:${c.ZK_OPERATOR_PASSWORD ?? (c.PLATFORM_PROFILE === 'local' ? ZK_IDENTITIES.operator.password : '')}`;
  const zk: ZkClientFactory = async (asOperator, sessionTimeoutMs) => {
    const client = new ZookeeperClient(
      {
        connectString: c.ZK_CONNECT,
        sessionTimeoutMs,
        auth: asOperator ? [{ scheme: 'digest', auth: operator }] : [],
      },
      logger,
    );
    client.start();
    await client.waitConnected(10_000);
    return client;
  };
  const adminToken = c.ADMIN_TOKEN ?? (c.PLATFORM_PROFILE === 'local' ? localAdminToken() : '');
  return new ExperimentRunner(
    [
      new ZkLeaderElectionExperiment(c.ZK_ENSEMBLE, HANDS),
      new ZkQuorumLossExperiment(c.ZK_ENSEMBLE, HANDS, zk, logger),
      new InstanceFreezeExperiment(HANDS, zk, { gatewayUrl: c.GATEWAY_URL, sessionTimeoutMs: c.INSTANCE_SESSION_TIMEOUT_MS }),
      new ConfigChangeExperiment(
        new GatewayConfigAdmin(c.GATEWAY_URL, adminToken),
        new PrometheusAppliedConfig(
          new PrometheusClient(
            c.PROMETHEUS_URL,
            metricsAuthorization({ user: METRICS_IDENTITIES.console.user, password: c.PROMETHEUS_PASSWORD }),
          ),
        ),
        zk,
      ),
      new KafkaBrokerKillExperiment(
        HANDS,
        // The console's own Kafka identity: DESCRIBE is all reading the partition leaders takes.
        new AdminKafkaLeaders(
          new KafkaConnection(
            {
              brokers: c.KAFKA_BROKERS,
              clientId: 'dsp-console-experiments',
              username: KAFKA_IDENTITIES.console.user,
              password: c.KAFKA_PASSWORD,
            },
            logger,
          ),
        ),
        { gatewayUrl: c.GATEWAY_URL },
      ),
      new ReplicaSqlStopExperiment(
        new MariadbReplicaControl(
          {
            user: DB_USERS.consoleOperator.name,
            password: c.MYSQL_OPERATOR_PASSWORD ?? (c.PLATFORM_PROFILE === 'local' ? DB_USERS.consoleOperator.password : ''),
          },
          logger,
        ),
        {
          gatewayUrl: c.GATEWAY_URL,
          // MYSQL_SERVERS lists the clusters in the contract's order: cluster i holds MYSQL_CLUSTERS[i].databases.
          clusters: c.MYSQL_SERVERS.map((pair, i) => ({
            databases: MYSQL_CLUSTERS[i]?.databases ?? [],
            replica: pair.split('/')[1] ?? '',
          })),
          maxLagMs: c.REPLICA_MAX_LAG_MS,
          probeMs: c.REPLICA_PROBE_MS,
        },
      ),
      new FlashSaleRaceExperiment(new GatewayFlashSales(c.GATEWAY_URL, adminToken), BuyerPool.through(c.GATEWAY_URL, 'console_buyer')),
      new LockHolderFreezeExperiment(new ChildLockHolders({ connectString: c.ZK_CONNECT, auth: operator }), zk, logger),
    ],
    logger,
  );
}

async function main(): Promise<void> {
  let config: ConsoleConfig;
  try {
    config = loadConsoleConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  const logger = createJsonLogger({ service: 'console', instanceId: `console-${process.pid}`, level: config.LOG_LEVEL });
  const poller = new Poller(probes(config, logger));
  const door = new ConsoleDoor([
    { ...CONSOLE_IDENTITIES.viewer, password: config.CONSOLE_VIEWER_PASSWORD },
    { ...CONSOLE_IDENTITIES.operator, password: config.CONSOLE_OPERATOR_PASSWORD },
  ]);
  const runner = experiments(config, logger);
  const experimentsOff = (): string | undefined =>
    config.PLATFORM_PROFILE === 'production'
      ? 'experiments are refused under PLATFORM_PROFILE=production: they kill servers of the stack'
      : HANDS.stackHere()
        ? undefined
        : "experiments act on the local stack's processes (npm run stack -- up on this machine); none runs here";
  const app = buildConsoleServer({
    experiments: runner,
    experimentsOff,
    door,
    throttle: new DoorThrottle({ failures: config.CONSOLE_DOOR_FAILURES, windowMs: config.CONSOLE_DOOR_WINDOW_SECONDS * 1000 }),
    poller,
    logger,
    publicDir: join(__dirname, '..', 'public'),
    about: { profile: config.PLATFORM_PROFILE, links: { zipkin: config.ZIPKIN_URL, prometheus: config.PROMETHEUS_URL } },
  });
  poller.start();
  await app.listen({ host: config.CONSOLE_HOST, port: config.CONSOLE_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.CONSOLE_PORT;
  const host = config.CONSOLE_HOST === '0.0.0.0' || config.CONSOLE_HOST === '::' ? '127.0.0.1' : config.CONSOLE_HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, port, listen: config.CONSOLE_HOST, pid: process.pid }, 'listening');

  let stopping: Promise<void> | undefined;
  const stop = (signal: string): void => {
    stopping ??= (async () => {
      logger.info({ signal }, 'console stopping');
      // An experiment heals the stack before the console exits; past 120 s the console exits anyway.
      setTimeout(() => {
        logger.error({}, 'console did not stop within 120 s; exiting');
        process.exit(1);
      }, 120_000).unref();
      try {
        await app.close();
        await runner.close();
        await poller.close();
        logger.info({}, 'console stopped');
        process.exit(0);
      } catch (e) {
        logger.error({ err: (e as Error).message }, 'console stopped with an error');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main().catch((e: unknown) => {
  process.stderr.write(`console failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
