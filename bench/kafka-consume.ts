/**
 * `EventConsumer` with a no-op handler next to Kafka's own `ConsumerPerformance`:
 * the same topic, the same records, the same SCRAM user, one consumer each, a
 * fresh group each, both read from the earliest offset. Both rates count from
 * the first record fetched to the last (the group join is left out of both:
 * the broker holds a new group's first join for `group.initial.rebalance.delay.ms`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KAFKA_BROKER_PORTS, KAFKA_IDENTITIES, retryTopic } from '@dsp/contracts';
import { classpath } from '@dsp/infra-stack';
import { EventConsumer, EventProducer, KafkaConnection, saslOf } from '@dsp/messaging';
import { createJsonLogger, MetricsRegistry } from '@dsp/service-defaults';
import { concurrently, type Pair } from './references';

const run = promisify(execFile);
const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

/** What `ConsumerPerformance` printed, per second from its first fetch, and the time it spent joining. */
export interface ConsumerPerformanceResult {
  fetchRecordsPerSec: number;
  records: number;
  rebalanceMs: number;
}

/** Reads `ConsumerPerformance`'s summary (a header line and one line of figures, comma-separated). */
export function parseConsumerPerformance(stdout: string): ConsumerPerformanceResult {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const at = lines.findIndex((l) => l.startsWith('start.time'));
  const header = at < 0 ? undefined : lines[at]?.split(',').map((s) => s.trim());
  const row = at < 0 ? undefined : lines[at + 1]?.split(',').map((s) => s.trim());
  const field = (name: string): number => {
    const i = header?.indexOf(name) ?? -1;
    const v = i < 0 ? NaN : Number(row?.[i]);
    if (!Number.isFinite(v)) throw new Error(`ConsumerPerformance printed no ${name}: ${stdout.slice(-500)}`);
    return v;
  };
  return { fetchRecordsPerSec: field('fetch.nMsg.sec'), records: field('data.consumed.in.nMsg'), rebalanceMs: field('rebalance.time.ms') };
}

async function ensureTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
}

/** Records the topic holds now, over all its partitions. */
async function recordsIn(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + (Number(p.high) - Number(p.low)), 0);
}

/** Reads `records` records with an `EventConsumer` whose handler does nothing; records per second from the first to the last. */
async function eventConsumerRate(
  conn: KafkaConnection,
  producer: EventProducer,
  topic: string,
  groupId: string,
  records: number,
): Promise<number> {
  let seen = 0;
  let first = 0;
  let done: (ms: number) => void = () => undefined;
  const finished = new Promise<number>((r) => (done = r));
  const consumer = new EventConsumer(
    conn,
    producer,
    async () => {
      if (seen++ === 0) first = performance.now();
      if (seen === records) done(performance.now() - first);
    },
    logger,
    { groupId, topics: [topic] },
    new MetricsRegistry('bench', 'bench'),
  );
  const timeout = setTimeout(() => done(NaN), 120_000);
  try {
    await consumer.start();
    const ms = await finished;
    if (!Number.isFinite(ms)) throw new Error(`EventConsumer read ${seen} of ${records} records in 120 s`);
    return (records - 1) / (ms / 1000);
  } finally {
    clearTimeout(timeout);
    await consumer.close();
  }
}

export async function kafkaConsumePair(records = 300_000, size = 200): Promise<Pair> {
  const brokers = KAFKA_BROKER_PORTS.map((p) => `127.0.0.1:${p}`);
  const topic = `bench.consume.${size}`;
  const ours = 'bench-consume-ours';
  const op = { username: KAFKA_IDENTITIES.operator.user, password: KAFKA_IDENTITIES.operator.password };
  const admin = new Kafka({ clientId: 'bench-admin', brokers, ...saslOf(op), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const conn = new KafkaConnection({ brokers, clientId: 'bench-consumer', ...op }, logger);
  const dir = mkdtempSync(join(tmpdir(), 'dsp-bench-kafka-'));
  const refGroup = `bench-consume-ref-${Date.now()}`;
  try {
    await ensureTopic(admin, topic, 6);
    // EventConsumer subscribes to its group's retry topic too.
    await ensureTopic(admin, retryTopic(topic, ours), 1);
    await conn.start();
    const producer = new EventProducer(conn, logger);
    await producer.start();
    try {
      const missing = records - (await recordsIn(admin, topic));
      if (missing > 0) {
        const value = 'x'.repeat(size);
        await concurrently(missing, 2000, (i) => producer.send(topic, [{ key: String(i), value }]));
      }
      const props = join(dir, 'consumer.properties');
      writeFileSync(
        props,
        [
          'security.protocol=SASL_PLAINTEXT',
          'sasl.mechanism=SCRAM-SHA-512',
          `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${op.username}" password="${op.password}";`,
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      const { stdout } = await run(
        'java',
        [
          '-Xmx256m',
          '-cp',
          classpath('kafka'),
          'org.apache.kafka.tools.ConsumerPerformance',
          '--bootstrap-server',
          brokers.join(','),
          '--topic',
          topic,
          '--messages',
          String(records),
          '--group',
          refGroup,
          '--consumer.config',
          props,
          '--timeout',
          '30000',
        ],
        { maxBuffer: 1 << 22 },
      );
      const reference = parseConsumerPerformance(stdout);
      if (reference.records < records) throw new Error(`ConsumerPerformance read ${reference.records} of ${records} records`);
      // A fresh start for our group: with no committed offset it reads from the earliest.
      await admin.deleteGroups([ours]).catch(() => undefined);
      const oursPerSec = await eventConsumerRate(conn, producer, topic, ours, records);
      return {
        area: 'kafka-consume',
        ours: {
          what: `EventConsumer, no-op handler, ${size}-byte records, 6 partitions (3 at once), first record to last`,
          opsPerSec: oursPerSec,
        },
        reference: { what: 'ConsumerPerformance (same SCRAM user, 1 consumer), fetch.nMsg.sec', opsPerSec: reference.fetchRecordsPerSec },
      };
    } finally {
      await producer.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin.deleteGroups([refGroup, ours]).catch(() => undefined);
    await admin.disconnect();
    await conn.close();
  }
}
