import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  KAFKA_BROKER_PORTS,
  MYSQL_CLUSTERS,
  PROMETHEUS_PORT,
  REDIS_PORT,
  REGISTRY_SD_PORT,
  ZIPKIN_PORT,
  ZK_OBSERVER_PORT,
  ZK_VOTER_PORTS,
} from '@dsp/contracts';

/** Pinned server versions (the poms in infra/jvm pin the jars; keep these in step). */
export const VERSIONS = { zookeeper: '3.9.5', kafka: '4.1.1', zipkin: '3.5.1' } as const;

/**
 * The repository: three levels above this file in the sources (`infra/stack/src`), and above `dist/`
 * when it runs built (`dist/infra/stack/src`, as the console does), so both find the same `.stack/`.
 */
export const REPO_ROOT = ((up: string) => (basename(up) === 'dist' ? dirname(up) : up))(resolve(__dirname, '..', '..', '..'));
export const INFRA_DIR = join(REPO_ROOT, 'infra');

function portsFromEnv(name: string, defaults: readonly number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return [...defaults];
  const ports = raw.split(',').map((s) => Number(s.trim()));
  if (ports.length !== defaults.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new Error(`${name} must be ${defaults.length} comma-separated ports, got "${raw}"`);
  }
  return ports;
}

/** Everything the stack manager keeps lives under one folder: `reset` wipes it. */
export const STACK_DIR = resolve(process.env['STACK_DIR'] ?? join(REPO_ROOT, '.stack'));
/** Downloaded jars; survive `reset` unless `reset --all`. */
export const CACHE_DIR = join(STACK_DIR, 'cache');
export const LOG_DIR = join(STACK_DIR, 'logs');
export const RUN_DIR = join(STACK_DIR, 'run');

export interface ZkServerSpec {
  myid: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
  observer: boolean;
}

export interface KafkaNodeSpec {
  nodeId: number;
  brokerPort: number;
  controllerPort: number;
}

export interface MysqlInstanceSpec {
  /** e.g. `mysql-c0-primary` */
  name: string;
  cluster: number;
  role: 'primary' | 'replica';
  port: number;
  serverId: number;
  /** For a replica: the port of the primary it follows. */
  primaryPort?: number;
  databases: readonly string[];
}

const zkClientPorts = portsFromEnv('STACK_ZK_PORTS', [...ZK_VOTER_PORTS, ZK_OBSERVER_PORT]);
export const ZK_SERVERS: ZkServerSpec[] = zkClientPorts.map((clientPort, i) => ({
  myid: i + 1,
  clientPort,
  quorumPort: 2888 + i,
  electionPort: 3888 + i,
  observer: i === zkClientPorts.length - 1,
}));

const kafkaPorts = portsFromEnv('STACK_KAFKA_PORTS', KAFKA_BROKER_PORTS);
export const KAFKA_NODES: KafkaNodeSpec[] = kafkaPorts.map((brokerPort, i) => ({
  nodeId: i + 1,
  brokerPort,
  controllerPort: 9192 + i,
}));

const mysqlPorts = portsFromEnv(
  'STACK_MYSQL_PORTS',
  MYSQL_CLUSTERS.flatMap((c) => [c.primaryPort, c.replicaPort]),
);
export const MYSQL_INSTANCES: MysqlInstanceSpec[] = MYSQL_CLUSTERS.flatMap((c, ci) => {
  const primaryPort = mysqlPorts[ci * 2] as number;
  const replicaPort = mysqlPorts[ci * 2 + 1] as number;
  return [
    {
      name: `mysql-c${c.index}-primary`,
      cluster: c.index,
      role: 'primary' as const,
      port: primaryPort,
      serverId: ci * 2 + 1,
      databases: c.databases,
    },
    {
      name: `mysql-c${c.index}-replica`,
      cluster: c.index,
      role: 'replica' as const,
      port: replicaPort,
      serverId: ci * 2 + 2,
      primaryPort,
      databases: c.databases,
    },
  ];
});

export const REDIS = { port: portsFromEnv('STACK_REDIS_PORT', [REDIS_PORT])[0] as number };

/** The trace guard's port on the host (Zipkin itself listens only inside its network namespace, on its default port). */
export const ZIPKIN = { port: portsFromEnv('STACK_ZIPKIN_PORT', [ZIPKIN_PORT])[0] as number, innerPort: 9411 };

/** Prometheus's port (its UI and API, the operator's only). */
export const PROMETHEUS = { port: portsFromEnv('STACK_PROMETHEUS_PORT', [PROMETHEUS_PORT])[0] as number };
/** registry-sd's port: the registry's instances as Prometheus targets. */
export const REGISTRY_SD = { port: portsFromEnv('STACK_REGISTRY_SD_PORT', [REGISTRY_SD_PORT])[0] as number };

/** JVM heap per server: small, the machine has 2 cores and runs 7 JVMs. */
/**
 * The spans Zipkin's in-memory store keeps before it drops the oldest traces (its
 * `MEM_MAX_SPANS`, 500,000 by default). Sized to its heap: a span with its indexes takes
 * about 2 KB there, so 30,000 hold in about 60 MB of the 256 MB. At 200,000 the store filled the
 * heap within half an hour of tests and benchmarks, and Zipkin spent most of its CPU in full GCs
 * (old generation 99.6% full, 129 s of 226 s CPU in 260 full collections), which made exports
 * from the services time out and took a core from everything else.
 */
export const ZIPKIN_MAX_SPANS = Number(process.env['STACK_ZIPKIN_MAX_SPANS'] ?? 30_000);

export const JVM_HEAP = {
  zookeeper: process.env['STACK_ZK_HEAP'] ?? '128m',
  kafka: process.env['STACK_KAFKA_HEAP'] ?? '320m',
  zipkin: process.env['STACK_ZIPKIN_HEAP'] ?? '256m',
};

/**
 * A unix socket path must stay under ~107 bytes; a deep checkout would break
 * MariaDB's socket, so long paths fall back to a short one in the temp dir.
 */
export function socketPath(dir: string, name: string): string {
  const preferred = join(dir, `${name}.sock`);
  if (preferred.length < 100) return preferred;
  const tag = createHash('sha1').update(preferred).digest('hex').slice(0, 10);
  return join(tmpdir(), `dsp-${tag}-${name}.sock`);
}
