/**
 * What SCRAM and the ACL check cost on Kafka (ADR 0011), measured on one
 * throwaway single-node KRaft broker with two client listeners, so the only
 * difference between the two sides is authentication and authorisation:
 *
 * - `PLAIN` (PLAINTEXT, :19092): no SASL, the principal is `User:ANONYMOUS`
 *   (a super user here, so no ACL is looked at);
 * - `SCRAM` (SASL_PLAINTEXT with SCRAM-SHA-512, :19093): a user that is not a
 *   super user and may only WRITE the bench topic, so every produce is
 *   checked against an ACL, as a service's is on the stack.
 *
 * It reports two pairs: produce throughput through `EventProducer`, and
 * connect + authenticate latency (a new client's first metadata answer).
 * The broker lives in a temporary directory and is stopped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type KafkaConfig } from 'kafkajs';
import { classpath, portOpen, run } from '@dsp/infra-stack';
import { EventProducer, KafkaConnection } from '@dsp/messaging';
import { createJsonLogger } from '@dsp/service-defaults';
import { concurrently, type Pair } from './references';

const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

const TOPIC = 'bench.scram';
const USER = { username: 'bench-producer', password: randomBytes(12).toString('hex') };

interface Throwaway {
  plain: string;
  scram: string;
  stop: () => Promise<void>;
}

async function throwawayBroker(plainPort: number, scramPort: number, controllerPort: number): Promise<Throwaway> {
  for (const p of [plainPort, scramPort, controllerPort])
    if (await portOpen(p))
      throw new Error(`port ${p} is taken: the throwaway Kafka broker needs ${plainPort}, ${scramPort}, ${controllerPort}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-kafka-'));
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAIN://127.0.0.1:${plainPort},SCRAM://127.0.0.1:${scramPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAIN://127.0.0.1:${plainPort},SCRAM://127.0.0.1:${scramPort}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAIN',
      'listener.security.protocol.map=PLAIN:PLAINTEXT,SCRAM:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
      'listener.name.scram.sasl.enabled.mechanisms=SCRAM-SHA-512',
      // The server side of SCRAM needs a JAAS entry even with nothing in it (the users are in the metadata log).
      'listener.name.scram.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found=false',
      'super.users=User:ANONYMOUS',
      `log.dirs=${join(dir, 'data')}`,
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'auto.create.topics.enable=false',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=2',
      'num.io.threads=4',
      '',
    ].join('\n'),
  );
  const jvm = ['-Xmx256m', '-Xms256m', '-XX:+UseG1GC', '-Djava.awt.headless=true', '-cp', classpath('kafka')];
  await run('java', [
    ...jvm,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    randomBytes(16).toString('base64url'),
    '-c',
    props,
    '--add-scram',
    `SCRAM-SHA-512=[name=${USER.username},password=${USER.password}]`,
  ]);
  const logFile = join(dir, 'broker.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn('java', [...jvm, 'kafka.Kafka', props], { stdio: ['ignore', out, out] });
  closeSync(out);
  const logTail = (): string => readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const plain = `127.0.0.1:${plainPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const admin = new Kafka({ clientId: 'bench-probe', brokers: [plain], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      if ((await admin.describeCluster()).brokers.length === 1) {
        await admin.disconnect();
        return { plain, scram: `127.0.0.1:${scramPort}`, stop };
      }
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null) {
        const tail = logTail();
        await stop();
        throw new Error(`the throwaway Kafka broker on ${plainPort} did not answer within 60 s: ${(e as Error).message}\n${tail}`);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Connections per second: a new client connects, authenticates and gets the cluster's metadata, one at a time. */
async function connectRate(config: KafkaConfig, n: number): Promise<number> {
  return concurrently(n, 1, async () => {
    const admin = new Kafka({ ...config, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    await admin.describeCluster();
    await admin.disconnect();
  });
}

/** The SCRAM + ACL pairs: produce throughput and connect + authenticate rate, on one throwaway broker. */
export async function kafkaScramCostPairs(
  records = 30_000,
  size = 200,
  connects = 60,
  ports = [19092, 19093, 19192] as const,
): Promise<Pair[]> {
  const broker = await throwawayBroker(...ports);
  const conns: KafkaConnection[] = [];
  const producers: EventProducer[] = [];
  try {
    const admin = new Kafka({ clientId: 'bench-admin', brokers: [broker.plain], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 6, replicationFactor: 1 }] });
    await admin.createAcls({
      acl: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: TOPIC,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: `User:${USER.username}`,
          host: '*',
          operation: AclOperationTypes.WRITE,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
    await admin.disconnect();
    const sides = {
      scram: new KafkaConnection({ brokers: [broker.scram], clientId: 'bench-scram', ...USER }, logger),
      plain: new KafkaConnection({ brokers: [broker.plain], clientId: 'bench-plain' }, logger),
    };
    conns.push(sides.scram, sides.plain);
    await Promise.all(conns.map((c) => c.start()));
    const send = { scram: new EventProducer(sides.scram, logger), plain: new EventProducer(sides.plain, logger) };
    producers.push(send.scram, send.plain);
    await Promise.all(producers.map((p) => p.start()));
    const value = 'x'.repeat(size);
    const burst = (p: EventProducer, n: number) => concurrently(n, 1000, (i) => p.send(TOPIC, [{ key: String(i), value }]));
    await burst(send.scram, 2000);
    await burst(send.plain, 2000);
    const rates = { scram: [] as number[], plain: [] as number[] };
    for (let round = 0; round < 3; round++) {
      rates.scram.push(await burst(send.scram, records / 3));
      rates.plain.push(await burst(send.plain, records / 3));
    }
    const scramClient: KafkaConfig = {
      clientId: 'bench-connect',
      brokers: [broker.scram],
      sasl: { mechanism: 'scram-sha-512', ...USER },
    };
    const plainClient: KafkaConfig = { clientId: 'bench-connect', brokers: [broker.plain] };
    const connect = { scram: [] as number[], plain: [] as number[] };
    for (let round = 0; round < 3; round++) {
      connect.scram.push(await connectRate(scramClient, connects / 3));
      connect.plain.push(await connectRate(plainClient, connects / 3));
    }
    return [
      {
        area: 'kafka',
        ours: {
          what: `EventProducer.send as a SCRAM-SHA-512 user checked against an ACL, ${size}-byte records`,
          opsPerSec: median(rates.scram),
        },
        reference: {
          what: 'the same on the same throwaway broker through a PLAINTEXT listener (no SASL, no ACL)',
          opsPerSec: median(rates.plain),
        },
      },
      {
        area: 'kafka',
        ours: { what: 'new client: connect + SCRAM-SHA-512 handshake + metadata, per second', opsPerSec: median(connect.scram) },
        reference: { what: 'new client: connect + metadata on the PLAINTEXT listener, per second', opsPerSec: median(connect.plain) },
      },
    ];
  } finally {
    for (const p of producers) await p.close().catch(() => undefined);
    for (const c of conns) await c.close().catch(() => undefined);
    await broker.stop();
  }
}
