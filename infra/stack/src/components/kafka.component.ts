import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Admin,
  type AclEntry,
} from 'kafkajs';
import { allKafkaAcls, allTopics, KAFKA_BROKER_IDENTITY, KAFKA_IDENTITIES, KAFKA_SUPER_USERS, type KafkaAcl } from '@dsp/contracts';
import { classpath } from '../install';
import { portOpen } from '../net';
import { run, runningPid, startDaemon, stopDaemon, waitFor } from '../proc';
import { INFRA_DIR, JVM_HEAP, KAFKA_NODES, LOG_DIR, STACK_DIR, type KafkaNodeSpec } from '../topology';
import type { ServerStatus, StackComponent } from './component';

/** Partitions for the platform's topics; RF=3 and min.insync.replicas=2 let one broker die without losing an ack. */
export const TOPIC_PARTITIONS = 6;

function daemonName(n: KafkaNodeSpec): string {
  return `kafka-${n.nodeId}`;
}

function nodeDir(n: KafkaNodeSpec): string {
  return join(STACK_DIR, 'kafka', String(n.nodeId));
}

/**
 * Where a node listens and keeps its data. The native stack puts every node on
 * loopback; docker-compose adds a second client listener (`EXTERNAL`, the
 * port published to the host) beside the one containers use.
 */
export interface KafkaPlacement {
  voters: string;
  /** `NAME://host:port` client listeners, the inter-broker one (`BROKER`) first. */
  clientListeners: { name: string; bind: string; advertise: string }[];
  controller: string;
  logDir: string;
}

export function nativePlacement(n: KafkaNodeSpec): KafkaPlacement {
  return {
    voters: KAFKA_NODES.map((o) => `${o.nodeId}@127.0.0.1:${o.controllerPort}`).join(','),
    clientListeners: [{ name: 'BROKER', bind: `127.0.0.1:${n.brokerPort}`, advertise: `127.0.0.1:${n.brokerPort}` }],
    controller: `127.0.0.1:${n.controllerPort}`,
    logDir: join(nodeDir(n), 'data'),
  };
}

export function serverProperties(n: KafkaNodeSpec, place: KafkaPlacement = nativePlacement(n)): string {
  const clients = place.clientListeners;
  return `${[
    '# Written by infra/stack (kafka.component.ts); regenerated on every `stack up`.',
    'process.roles=broker,controller',
    `node.id=${n.nodeId}`,
    `controller.quorum.voters=${place.voters}`,
    `listeners=${[...clients.map((l) => `${l.name}://${l.bind}`), `CONTROLLER://${place.controller}`].join(',')}`,
    `advertised.listeners=${clients.map((l) => `${l.name}://${l.advertise}`).join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=BROKER',
    // Loopback: SASL without TLS. Production uses SASL_SSL (docs/security.md).
    `listener.security.protocol.map=${[...clients.map((l) => l.name), 'CONTROLLER'].map((l) => `${l}:SASL_PLAINTEXT`).join(',')}`,
    // Clients and brokers: SCRAM-SHA-512, users in the metadata log (created at format time).
    ...clients.flatMap((l) => [
      `listener.name.${l.name.toLowerCase()}.sasl.enabled.mechanisms=SCRAM-SHA-512`,
      `listener.name.${l.name.toLowerCase()}.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    ]),
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    // Controllers: PLAIN with a static user; SCRAM cannot bootstrap a quorum (KAFKA-15513, ADR 0011).
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.controller.protocol=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', `user_${KAFKA_BROKER_IDENTITY.user}="${KAFKA_BROKER_IDENTITY.password}"`)}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=${KAFKA_SUPER_USERS.map((u) => `User:${u}`).join(';')}`,
    `log.dirs=${place.logDir}`,
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

function jaas(module: string, extra = ''): string {
  const b = KAFKA_BROKER_IDENTITY;
  return `org.apache.kafka.common.security.${module} required username="${b.user}" password="${b.password}"${extra ? ` ${extra}` : ''};`;
}

/** Every SCRAM user the cluster is formatted with: the brokers' own and each identity's. */
export function scramUsers(): { user: string; password: string }[] {
  return [KAFKA_BROKER_IDENTITY, ...Object.values(KAFKA_IDENTITIES)];
}

/** A fingerprint of the SCRAM users a node was formatted with (their passwords hashed together). */
function scramFingerprint(): string {
  const h = createHash('sha256');
  for (const u of scramUsers()) h.update(`${u.user}\0${u.password}\0`);
  return h.digest('hex');
}

function jvmArgs(heap: string = JVM_HEAP.kafka, node = 'tool'): string[] {
  return [
    `-Xmx${heap}`,
    // log4j2.xml writes the authorizer's decisions to <dsp.log.dir>/kafka-<dsp.kafka.node>-authorizer.log
    `-Ddsp.log.dir=${LOG_DIR}`,
    `-Ddsp.kafka.node=${node}`,
    `-Xms${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(INFRA_DIR, 'jvm', 'kafka', 'log4j2.xml')}`,
    '-cp',
    classpath('kafka'),
  ];
}

/**
 * A 22-character Kafka cluster id (16 random bytes, URL-safe base64), kept across restarts.
 * Never one that starts with '-': Kafka's own `Uuid.randomUuid` refuses those too, because a
 * command line reads them as an option (`kafka-storage format -t -Uav...` fails; 1 id in 64).
 */
export function newClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function clusterId(): string {
  const file = join(STACK_DIR, 'kafka', 'cluster.id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = newClusterId();
  mkdirSync(join(STACK_DIR, 'kafka'), { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

/** The stack's brokers on loopback. */
const LOCAL_BROKERS = KAFKA_NODES.map((n) => `127.0.0.1:${n.brokerPort}`);

/** A kafkajs client of the stack's cluster (or of `brokers`), authenticated as the operator (a super user). */
export function kafkaAdminClient(brokers: string[] = LOCAL_BROKERS): Kafka {
  const op = KAFKA_IDENTITIES.operator;
  return new Kafka({
    clientId: 'stack-manager',
    brokers,
    sasl: { mechanism: 'scram-sha-512', username: op.user, password: op.password },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>, brokers = LOCAL_BROKERS): Promise<T> {
  const admin = kafkaAdminClient(brokers).admin();
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
        const marker = join(dir, 'scram.sha256');
        if (!existsSync(join(dir, 'data', 'meta.properties'))) {
          const scram = scramUsers().flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.user},password=${u.password}]`]);
          await run('java', [
            ...jvmArgs('128m'),
            'kafka.tools.StorageTool',
            'format',
            // One argument, so an id kept from before this rule (one that starts with '-') still parses.
            `--cluster-id=${id}`,
            '-c',
            props,
            '--ignore-formatted',
            ...scram,
          ]);
          writeFileSync(marker, `${scramFingerprint()}\n`, { mode: 0o600 });
        } else if (!existsSync(marker) || readFileSync(marker, 'utf8').trim() !== scramFingerprint()) {
          throw new Error(
            `Kafka node ${n.nodeId} was formatted ${existsSync(marker) ? 'with other SCRAM users' : 'before SASL (ADR 0011)'}: ` +
              'its users live in the metadata log, so the node must be formatted again. ' +
              "Run `npm run stack -- reset` (drops the stack's data) and start again.",
          );
        }
      }),
    );
  }

  async start(): Promise<void> {
    for (const n of KAFKA_NODES) {
      const props = join(nodeDir(n), 'server.properties');
      startDaemon({
        name: daemonName(n),
        command: 'java',
        args: [...jvmArgs(JVM_HEAP.kafka, String(n.nodeId)), 'kafka.Kafka', props],
        marker: props,
      });
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
    const acls = await waitFor('Kafka ACLs', () => withAdmin((admin) => ensureAcls(admin)), { timeoutMs, intervalMs: 1000 });
    return `${cluster.brokers.length} brokers, controller ${cluster.controller ?? '?'}, ${created} topics created, ACLs ${acls}`;
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
 * stack's broker ports (or on `brokers`): the native stack (done by `up`) or
 * docker-compose's (its `init` service, since compose disables auto-creation).
 */
export function ensurePlatformTopics(brokers = LOCAL_BROKERS): Promise<number> {
  return withAdmin((admin) => ensureTopics(admin), brokers);
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

function aclKey(a: KafkaAcl): string {
  return [a.principal, a.resourceType, a.resourceName, a.operation].join(' ');
}

const RESOURCE = { TOPIC: AclResourceTypes.TOPIC, GROUP: AclResourceTypes.GROUP } as const;
const OPERATION = { READ: AclOperationTypes.READ, WRITE: AclOperationTypes.WRITE, DESCRIBE: AclOperationTypes.DESCRIBE } as const;

/**
 * Makes the cluster's ACLs exactly `allKafkaAcls()`: creates the missing ones
 * and deletes every other ACL (a right the table no longer grants must not
 * linger). Returns a summary such as `15 kept, 2 created, 0 deleted`.
 */
export async function ensureAcls(admin: Admin): Promise<string> {
  const want = new Map(allKafkaAcls().map((a) => [aclKey(a), a]));
  const have = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  const kept = new Set<string>();
  const stale: AclEntry[] = [];
  for (const r of have.resources)
    for (const acl of r.acls) {
      const type = Object.entries(RESOURCE).find(([, v]) => v === r.resourceType)?.[0];
      const op = Object.entries(OPERATION).find(([, v]) => v === acl.operation)?.[0];
      const key = [acl.principal, type, r.resourceName, op].join(' ');
      const exact =
        r.resourcePatternType === ResourcePatternTypes.LITERAL && acl.host === '*' && acl.permissionType === AclPermissionTypes.ALLOW;
      if (exact && want.has(key)) kept.add(key);
      else
        stale.push({
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          resourcePatternType: r.resourcePatternType,
          principal: acl.principal,
          host: acl.host,
          operation: acl.operation,
          permissionType: acl.permissionType,
        });
    }
  const missing = [...want].filter(([k]) => !kept.has(k)).map(([, a]) => a);
  if (missing.length > 0)
    await admin.createAcls({
      acl: missing.map((a) => ({
        resourceType: RESOURCE[a.resourceType],
        resourceName: a.resourceName,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: a.principal,
        host: '*',
        operation: OPERATION[a.operation],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
  if (stale.length > 0) await admin.deleteAcls({ filters: stale });
  return `${kept.size} kept, ${missing.length} created, ${stale.length} deleted`;
}
