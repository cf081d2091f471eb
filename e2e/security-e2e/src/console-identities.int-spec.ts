import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import {
  DB_USERS,
  DEFAULT_KAFKA_BROKERS,
  DEFAULT_ZK_CONNECT,
  KAFKA_GROUPS,
  KAFKA_IDENTITIES,
  METRICS_IDENTITIES,
  metricsAuthorization,
  REDIS_IDENTITIES,
  REDIS_PORT,
  TOPICS,
} from '@dsp/contracts';
import { RedisConnection } from '@dsp/redis';
import { kafkaAs, mysqlAs, PROMETHEUS_URL, spawnService, testLogger, type SpawnedService } from '@dsp/testing';
import { ZookeeperClient } from '@dsp/zookeeper';

/**
 * The console only observes (ADR 0023): each of its server identities may read
 * state and is refused everything else, by the server itself. Beside each
 * refusal the same identity's rightful read succeeds, so a refusal cannot come
 * from a wrong password or a server that is down.
 */
describe("the console's server identities may read state and nothing else (real Kafka, Redis, MariaDB, Prometheus)", () => {
  const consoleKafka = (): Kafka => {
    const id = KAFKA_IDENTITIES.console;
    return new Kafka({
      clientId: `console-attack-${process.pid}`,
      brokers: [...DEFAULT_KAFKA_BROKERS],
      sasl: { mechanism: 'scram-sha-512', username: id.user, password: id.password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
  };

  describe('on Kafka', () => {
    it('should describe topics, offsets and groups', async () => {
      const admin = consoleKafka().admin();
      await admin.connect();
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [TOPICS.orderCreated] });
        expect(meta.topics[0]?.partitions.length).toBeGreaterThan(0);
        for (const p of meta.topics[0]?.partitions ?? []) expect(p.isr.length).toBeGreaterThan(0);
        const offsets = await admin.fetchTopicOffsets(TOPICS.orderCreated);
        expect(offsets.length).toBe(meta.topics[0]?.partitions.length);
        await expect(admin.listGroups()).resolves.toHaveProperty('groups');
        const { groupId, topics } = KAFKA_GROUPS.userOrderStats;
        // The group's committed offsets are what the lag panel subtracts; a group that never ran has none yet.
        const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
        expect(committed.map((t) => t.topic).sort()).toEqual([...topics].sort());
      } finally {
        await admin.disconnect();
      }
    });

    it('should be refused producing to a platform topic', async () => {
      const producer = consoleKafka().producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        await expect(
          producer.send({ topic: TOPICS.orderCreated, acks: -1, messages: [{ key: 'forged', value: '{"forged":true}' }] }),
        ).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
      } finally {
        await producer.disconnect();
      }
    });

    /** Why a consumer of `groupId` as the console crashed: the error and its cause's Kafka type, joined. */
    async function consumeAs(groupId: string): Promise<string> {
      const consumer = consoleKafka().consumer({ groupId, retry: { retries: 0 } });
      await consumer.connect();
      try {
        const failed = new Promise<string>((resolve) => {
          consumer.on(consumer.events.CRASH, (e) => {
            const err = e.payload.error as Error & { type?: string; originalError?: { type?: string } };
            resolve([err.type, err.originalError?.type, err.message].filter(Boolean).join(' '));
          });
        });
        await consumer.subscribe({ topic: TOPICS.orderCreated, fromBeginning: true });
        void consumer.run({ eachMessage: async () => undefined }).catch(() => undefined);
        return await failed;
      } finally {
        await consumer.disconnect();
      }
    }

    it("should be refused joining a platform group (DESCRIBE on it, no READ), so it cannot steal the group's partitions", async () => {
      expect(await consumeAs(KAFKA_GROUPS.userOrderStats.groupId)).toMatch(/GROUP_AUTHORIZATION_FAILED|not authorized/i);
    });

    it('should be refused a group of its own (no right on any other group)', async () => {
      expect(await consumeAs(`dsp-console-${randomBytes(3).toString('hex')}`)).toMatch(/AUTHORIZATION_FAILED|coordinator/i);
    });

    it('should see the same metadata the operator sees (DESCRIBE covers every platform topic)', async () => {
      const list = async (k: Kafka): Promise<string[]> => {
        const admin = k.admin();
        await admin.connect();
        try {
          return (await admin.listTopics()).filter((t) => Object.values(TOPICS).includes(t as never)).sort();
        } finally {
          await admin.disconnect();
        }
      };
      expect(await list(consoleKafka())).toEqual(await list(kafkaAs('operator')));
    });
  });

  describe('on ZooKeeper (anonymous, as the console reads it)', () => {
    it('should read the registry and be refused a write there (NoAuth)', async () => {
      const zk = new ZookeeperClient({ connectString: DEFAULT_ZK_CONNECT, sessionTimeoutMs: 6000, auth: [] }, testLogger());
      zk.start();
      try {
        await zk.waitConnected(10_000);
        await expect(zk.getChildren('/services')).resolves.toEqual(expect.arrayContaining(['user-service']));
        await expect(zk.create(`/services/user-service/forged-${randomBytes(3).toString('hex')}`, 'x', 'EPHEMERAL')).rejects.toThrow(
          /ZNOAUTH/,
        );
        // config-change writes through the gateway's admin API: the console's own session may not write a config key.
        // `/config/user-service` exists from `stack up` on (owned by user-service's identity, zk-tree.ts).
        await expect(zk.create(`/config/user-service/forged-${randomBytes(3).toString('hex')}`, '1', 'PERSISTENT')).rejects.toThrow(
          /ZNOAUTH/,
        );
      } finally {
        await zk.close();
      }
    });
  });

  describe('on Redis', () => {
    let c: RedisConnection;
    beforeAll(async () => {
      const id = REDIS_IDENTITIES.console;
      c = new RedisConnection(
        {
          url: `redis://127.0.0.1:${REDIS_PORT}`,
          username: id.user,
          password: id.password,
          connectionName: 'console-attack',
          maxRetriesPerRequest: 0,
        },
        testLogger(),
      );
      await c.start();
    });
    afterAll(() => c?.close());

    it('should run INFO', async () => {
      const info = await c.client.info('memory');
      expect(info).toMatch(/used_memory:\d+/);
    });

    it.each([
      ['GET a session', ['get', 'dsp:sess:x']],
      ['SET a key', ['set', 'dsp:console:x', '1']],
      ['KEYS *', ['keys', '*']],
      ['CONFIG GET', ['config', 'get', 'maxmemory']],
      ['PUBLISH', ['publish', 'dsp:events', 'x']],
    ])('should be refused %s with NOPERM', async (_what, [cmd, ...args]) => {
      await expect(c.client.call(cmd as string, ...(args as string[]))).rejects.toThrow(/^NOPERM/);
    });
  });

  describe('on MariaDB', () => {
    it('should read the replica state', async () => {
      const rows = await mysqlAs('mysql-c0-replica', DB_USERS.console, 'SHOW SLAVE STATUS');
      expect(rows.length).toBe(1);
      expect(rows[0]).toHaveProperty('Slave_SQL_Running');
    });

    it.each([
      ['SELECT from orders', 'SELECT 1 FROM order_db_0.orders LIMIT 1'],
      ["USE a service's database", 'USE order_db_0'],
      ['STOP SLAVE', 'STOP SLAVE'],
    ])('should be refused %s', async (_what, sql) => {
      await expect(mysqlAs('mysql-c0-replica', DB_USERS.console, sql)).rejects.toMatchObject({
        code: expect.stringMatching(/DENIED|ACCESS/),
      });
    });
  });

  describe("on MariaDB, as the experiments' operator (dsp_console_op)", () => {
    // REPLICATION SLAVE ADMIN is MariaDB's narrowest right for STOP SLAVE; it also allows CHANGE MASTER on a stopped
    // replica (docs/security.md says so). What the account reaches stays replication control: no data, no server config.
    it('should stop and start a replica SQL thread and read its state', async () => {
      await mysqlAs('mysql-c1-replica', DB_USERS.consoleOperator, 'STOP SLAVE SQL_THREAD');
      try {
        const [row] = await mysqlAs('mysql-c1-replica', DB_USERS.consoleOperator, 'SHOW SLAVE STATUS');
        expect(row?.['Slave_SQL_Running']).toBe('No');
      } finally {
        await mysqlAs('mysql-c1-replica', DB_USERS.consoleOperator, 'START SLAVE SQL_THREAD');
      }
      const [row] = await mysqlAs('mysql-c1-replica', DB_USERS.consoleOperator, 'SHOW SLAVE STATUS');
      expect(row?.['Slave_SQL_Running']).toBe('Yes');
    });

    it.each([
      ['SELECT from orders', 'SELECT 1 FROM order_db_1.orders_0 LIMIT 1'],
      ["USE a service's database", 'USE order_db_1'],
      ['SET GLOBAL', 'SET GLOBAL read_only = 0'],
      ['CREATE USER', "CREATE USER 'dsp_intruder'@'127.0.0.1'"],
    ])('should be refused %s', async (_what, sql) => {
      await expect(mysqlAs('mysql-c1-replica', DB_USERS.consoleOperator, sql)).rejects.toMatchObject({
        code: expect.stringMatching(/DENIED|ACCESS/),
      });
    });
  });

  describe('on Prometheus and the instances', () => {
    let svc: SpawnedService;
    beforeAll(async () => {
      svc = await spawnService('user-service', { PORT: '0' }, 60_000);
    });
    afterAll(() => svc?.stop());

    const asConsole = { authorization: metricsAuthorization(METRICS_IDENTITIES.console) };

    it("should query Prometheus's API", async () => {
      const res = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=up`, { headers: asConsole });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('success');
    });

    it("should be refused an instance's /metrics (the query right is not the scrape right)", async () => {
      const res = await fetch(`${svc.url}/metrics`, { headers: asConsole });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toMatch(/http_requests_total/);
    });
  });
});
