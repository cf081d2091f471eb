import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { allTopics, KAFKA_IDENTITIES } from '@dsp/contracts';
import { ensurePlatformTopics, KAFKA_NODES } from '@dsp/infra-stack';

const kafka = new Kafka({
  clientId: 'stack-int-spec',
  brokers: KAFKA_NODES.map((n) => `127.0.0.1:${n.brokerPort}`),
  sasl: { mechanism: 'scram-sha-512', username: KAFKA_IDENTITIES.operator.user, password: KAFKA_IDENTITIES.operator.password },
  logLevel: logLevel.NOTHING,
});

describe('Kafka KRaft cluster (local stack)', () => {
  const admin = kafka.admin();

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  describe('when the cluster is described', () => {
    it('should have three brokers and an active controller', async () => {
      const c = await admin.describeCluster();
      expect(c.brokers.map((b) => b.nodeId).sort()).toEqual(KAFKA_NODES.map((n) => n.nodeId));
      expect(c.controller).not.toBeNull();
    });

    it('should create missing platform topics on demand (`npm run stack -- topics`), idempotently', async () => {
      expect(await ensurePlatformTopics()).toBe(0); // `up` created them all already
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(allTopics()));
    });

    it('should have every platform topic with RF=3 and min.insync.replicas=2', async () => {
      const names = allTopics();
      const meta = await admin.fetchTopicMetadata({ topics: names });
      for (const t of meta.topics) {
        for (const p of t.partitions) expect(p.replicas).toHaveLength(3);
      }
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: 2, name, configNames: ['min.insync.replicas'] })),
      });
      for (const r of configs.resources) {
        expect(r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue).toBe('2');
      }
    });
  });

  describe('when a topic with RF=3 is created and a message is produced with acks=all', () => {
    const topic = `stack-test-${randomUUID()}`;

    afterAll(() => admin.deleteTopics({ topics: [topic] }).catch(() => undefined));

    it('should be consumed back with the same key and value', async () => {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      });
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]?.partitions.every((p) => p.replicas.length === 3 && p.isr.length === 3)).toBe(true);

      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const key = randomUUID();
      const [ack] = await producer.send({ topic, acks: -1, messages: [{ key, value: 'round-trip' }] });
      await producer.disconnect();
      expect(ack?.errorCode).toBe(0);

      const consumer = kafka.consumer({ groupId: `stack-test-${randomUUID()}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
          },
        });
      });
      await consumer.disconnect();
      expect(received).toEqual({ key, value: 'round-trip' });
    });
  });
});
