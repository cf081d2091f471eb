import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { allTopics } from '@dsp/contracts';
import { classpath } from '../install';
import { portOpen } from '../net';
import { run, runningPid, startDaemon, stopDaemon, waitFor } from '../proc';
import { INFRA_DIR, JVM_HEAP, KAFKA_NODES, STACK_DIR, type KafkaNodeSpec } from '../topology';
import type { ServerStatus, StackComponent } from './component';

/** Partitions for the platform's topics; RF=3 and min.insync.replicas=2 let one broker die without losing an ack. */
export const TOPIC_PARTITIONS = 6;

function daemonName(n: KafkaNodeSpec): string {
  return `kafka-${n.nodeId}`;
}

function nodeDir(n: KafkaNodeSpec): string {
  return join(STACK_DIR, 'kafka', String(n.nodeId));
}

function serverProperties(n: KafkaNodeSpec): string {
  const voters = KAFKA_NODES.map((o) => `${o.nodeId}@127.0.0.1:${o.controllerPort}`).join(',');
  return `${[
    '# Written by infra/stack (kafka.component.ts); regenerated on every `stack up`.',
    'process.roles=broker,controller',
    `node.id=${n.nodeId}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${n.brokerPort},CONTROLLER://127.0.0.1:${n.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${n.brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(nodeDir(n), 'data')}`,
    `num.partitions=${TOPIC_PARTITIONS}`,
    'default.replication.factor=3',
    'min.insync.replicas=2',
    'offsets.topic.replication.factor=3',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=3',
    'transaction.state.log.min.isr=2',
    'share.coordinator.state.topic.replication.factor=3',
    'share.coordinator.state.topic.min.isr=2',
    'auto.create.topics.enable=false',
    'unclean.leader.election.enable=false',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=4',
    'log.segment.bytes=67108864',
    'log.retention.hours=24',
    'controlled.shutdown.enable=true',
  ].join('\n')}\n`;
}

function jvmArgs(heap: string = JVM_HEAP.kafka): string[] {
  return [
    `-Xmx${heap}`,
    `-Xms${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(INFRA_DIR, 'jvm', 'kafka', 'log4j2.xml')}`,
    '-cp',
    classpath('kafka'),
  ];
}

/** A 22-character Kafka cluster id (16 random bytes, URL-safe base64), kept across restarts. */
function clusterId(): string {
  const file = join(STACK_DIR, 'kafka', 'cluster.id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = randomBytes(16).toString('base64url');
  mkdirSync(join(STACK_DIR, 'kafka'), { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

export function kafkaAdminClient(): Kafka {
  return new Kafka({
    clientId: 'stack-manager',
    brokers: KAFKA_NODES.map((n) => `127.0.0.1:${n.brokerPort}`),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaAdminClient().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** A KRaft cluster of three combined broker+controller nodes. */
export class KafkaComponent implements StackComponent {
  readonly name = 'kafka';
  readonly daemons = KAFKA_NODES.map(daemonName);

  async prepare(): Promise<void> {
    const id = clusterId();
    await Promise.all(
      KAFKA_NODES.map(async (n) => {
        const dir = nodeDir(n);
        mkdirSync(join(dir, 'data'), { recursive: true });
        const props = join(dir, 'server.properties');
        writeFileSync(props, serverProperties(n));
        if (!existsSync(join(dir, 'data', 'meta.properties'))) {
          await run('java', [...jvmArgs('128m'), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', props, '--ignore-formatted']);
        }
      }),
    );
  }

  async start(): Promise<void> {
    for (const n of KAFKA_NODES) {
      const props = join(nodeDir(n), 'server.properties');
      startDaemon({ name: daemonName(n), command: 'java', args: [...jvmArgs(), 'kafka.Kafka', props], marker: props });
    }
  }

  async waitReady(timeoutMs: number): Promise<string> {
    await Promise.all(
      KAFKA_NODES.map((n) =>
        waitFor(`Kafka node ${n.nodeId} (:${n.brokerPort})`, async () => ((await portOpen(n.brokerPort)) ? true : undefined), {
          timeoutMs,
          daemon: daemonName(n),
        }),
      ),
    );
    const cluster = await waitFor(
      'Kafka cluster metadata (3 brokers)',
      () =>
        withAdmin(async (admin) => {
          const c = await admin.describeCluster();
          return c.brokers.length === KAFKA_NODES.length ? c : undefined;
        }),
      { timeoutMs, intervalMs: 500 },
    );
    const created = await waitFor('Kafka platform topics', () => withAdmin((admin) => ensureTopics(admin)), {
      timeoutMs,
      intervalMs: 1000,
    });
    return `${cluster.brokers.length} brokers, controller ${cluster.controller ?? '?'}, ${created} topics created`;
  }

  async stop(): Promise<void> {
    await Promise.all(this.daemons.map((d) => stopDaemon(d, 20_000)));
  }

  async status(): Promise<ServerStatus[]> {
    return Promise.all(
      KAFKA_NODES.map(async (n) => {
        const up = await portOpen(n.brokerPort);
        return {
          server: daemonName(n),
          port: n.brokerPort,
          pid: runningPid(daemonName(n)),
          role: 'broker+controller',
          health: up ? 'up' : 'down',
          detail: `controller :${n.controllerPort}`,
        } satisfies ServerStatus;
      }),
    );
  }
}

/**
 * Creates the platform topics that are missing on whatever cluster listens on the
 * stack's broker ports: the native stack (done by `up`) or docker-compose's
 * (`npm run stack -- topics`, since compose disables auto-creation).
 */
export function ensurePlatformTopics(): Promise<number> {
  return withAdmin((admin) => ensureTopics(admin));
}

/** Creates every platform topic that is missing (RF=3, min.insync.replicas=2); returns how many it created. */
export async function ensureTopics(admin: Admin): Promise<number> {
  const existing = new Set(await admin.listTopics());
  const missing = allTopics().filter((t) => !existing.has(t));
  if (missing.length === 0) return 0;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: TOPIC_PARTITIONS,
      replicationFactor: 3,
      configEntries: [{ name: 'min.insync.replicas', value: '2' }],
    })),
  });
  return missing.length;
}
