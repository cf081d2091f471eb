import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Admin,
  type Consumer,
  type KafkaConfig,
} from 'kafkajs';
import { allKafkaAcls, DEFAULT_KAFKA_BROKERS, dlqTopic, KAFKA_GROUPS, KAFKA_IDENTITIES, retryTopic, TOPICS } from '@dsp/contracts';
import { KAFKA_NODES, LOG_DIR } from '@dsp/infra-stack';
import { kafkaAs } from '@dsp/testing';

/**
 * Kafka attacks (issue 14's row 6 and its cross-service neighbours), each
 * ATTACK_REPEATS times: a client without SASL gets no metadata, a wrong
 * password is refused, a principal without WRITE gets
 * TOPIC_AUTHORIZATION_FAILED, a group or topic a principal may not read is
 * refused, and no service may create, delete or re-ACL anything. Each row
 * checks that nothing was written (topic end offsets, the topic list, the
 * ACLs) and has a control beside it: the rightful principal succeeds
 * (docs/adr/0011).
 */
const N = Number(process.env['ATTACK_REPEATS'] ?? 3);

type Who = keyof typeof KAFKA_IDENTITIES;

const quiet: Pick<KafkaConfig, 'logLevel' | 'retry' | 'connectionTimeout'> = {
  logLevel: logLevel.NOTHING,
  retry: { retries: 0 },
  connectionTimeout: 2000,
};

/** A client that sends no SASL handshake: what kcat or any stock client does without credentials. */
function anonymous(): Kafka {
  return new Kafka({ clientId: 'attack-anonymous', brokers: [...DEFAULT_KAFKA_BROKERS], ...quiet });
}

/** `who`'s user name with `password` instead of its own. */
function withPassword(user: string, password: string): Kafka {
  return new Kafka({
    clientId: 'attack-wrong-password',
    brokers: [...DEFAULT_KAFKA_BROKERS],
    sasl: { mechanism: 'scram-sha-512', username: user, password },
    ...quiet,
  });
}

type KafkaJsError = Error & { type?: string; errors?: KafkaJsError[]; originalError?: KafkaJsError; cause?: KafkaJsError };

/**
 * The refusal behind a kafkajs error: the broker's error type
 * (TOPIC_AUTHORIZATION_FAILED...) or, without one, the error's name, looking
 * through kafkajs' retry wrappers (`KafkaJSNumberOfRetriesExceeded`,
 * `KafkaJSNonRetriableError`) to the error they carry.
 */
function refusalOf(e: KafkaJsError): string {
  let err = e;
  for (let depth = 0; depth < 5 && err.type === undefined; depth++) {
    const inner = err.originalError ?? err.cause ?? err.errors?.[0];
    if (inner === undefined) break;
    err = inner;
  }
  return err.type ?? err.name;
}

/** 'ALLOWED', or {@link refusalOf} the error. */
async function refusal(op: Promise<unknown>): Promise<string> {
  return op.then(
    () => 'ALLOWED',
    (e: unknown) => refusalOf(e as KafkaJsError),
  );
}

/** A poison envelope: a rightful write that every consumer sends straight to its dead-letter topic. */
function controlValue(): string {
  return JSON.stringify({ control: 'kafka-attacks', id: randomUUID() });
}

describe('attacks on Kafka are refused (security slice 3)', () => {
  const admins = new Map<Who, Admin>();
  const consumers: Consumer[] = [];

  async function admin(who: Who): Promise<Admin> {
    let a = admins.get(who);
    if (!a) {
      a = kafkaAs(who, `attack-${who}`).admin();
      await a.connect();
      admins.set(who, a);
    }
    return a;
  }

  /** The sum of the topic's end offsets: it moves with every accepted write. */
  async function endOffset(topic: string): Promise<number> {
    const offsets = await (await admin('operator')).fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  }

  /** One send by `who` with an idempotent producer (as the platform's producer sends); 'ALLOWED' or the refusal. */
  async function produceAs(who: Who, topic: string, value: string): Promise<string> {
    const producer = kafkaAs(who, `attack-${who}`).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      return await refusal(producer.send({ topic, acks: -1, messages: [{ key: `attack-${randomUUID()}`, value }] }));
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * `who` joins `groupId` on `topic` without ever committing: 'JOINED', or
   * the crash that ends the attempt (kafkajs names a refused group
   * KafkaJSGroupCoordinatorNotFound; the authorizer log has the
   * GROUP_AUTHORIZATION_FAILED behind it).
   */
  async function joinAs(who: Who, groupId: string, topic: string): Promise<string> {
    const consumer = kafkaAs(who, `attack-${who}`).consumer({
      groupId,
      allowAutoTopicCreation: false,
      retry: { retries: 0, restartOnFailure: async () => false },
    });
    consumers.push(consumer);
    await consumer.connect();
    try {
      const outcome = new Promise<string>((resolve) => {
        consumer.on(consumer.events.GROUP_JOIN, () => resolve('JOINED'));
        consumer.on(consumer.events.CRASH, ({ payload }) => resolve(refusalOf(payload.error as KafkaJsError)));
      });
      const subscribed = await refusal(consumer.subscribe({ topics: [topic], fromBeginning: true }));
      if (subscribed !== 'ALLOWED') return subscribed;
      await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
      return await Promise.race([outcome, new Promise<string>((r) => setTimeout(() => r('NO ANSWER'), 20_000))]);
    } finally {
      await consumer.disconnect();
    }
  }

  async function acls(): Promise<string[]> {
    const r = await (
      await admin('operator')
    ).describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    return r.resources.flatMap((x) => x.acls.map((a) => `${a.principal} ${x.resourceType} ${x.resourceName} ${a.operation}`)).sort();
  }

  afterAll(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    for (const a of admins.values()) await a.disconnect().catch(() => undefined);
  });

  describe('when a client without credentials produces a well-formed order.paid (issue 14, row 6)', () => {
    it(`should close the connection ${N}x before any metadata, write nothing; the operator gets the metadata`, async () => {
      const before = await endOffset(TOPICS.orderPaid);
      for (let i = 0; i < N; i++) {
        const producer = anonymous().producer({ allowAutoTopicCreation: false });
        const paid = { eventId: randomUUID(), type: 'order.paid', version: 1, payload: { orderId: '999999999', userId: '1' } };
        const sent = refusal(
          producer.connect().then(() => producer.send({ topic: TOPICS.orderPaid, messages: [{ value: JSON.stringify(paid) }] })),
        );
        expect(await sent).toBe('KafkaJSConnectionClosedError');
        await producer.disconnect().catch(() => undefined);
        const a = anonymous().admin();
        expect(await refusal(a.connect().then(() => a.fetchTopicMetadata({ topics: [TOPICS.orderPaid] })))).toBe(
          'KafkaJSConnectionClosedError',
        );
        await a.disconnect().catch(() => undefined);
      }
      expect(await endOffset(TOPICS.orderPaid)).toBe(before);
      // Control: an authenticated client sees the topic.
      const meta = await (await admin('operator')).fetchTopicMetadata({ topics: [TOPICS.orderPaid] });
      expect(meta.topics[0]?.partitions.length).toBeGreaterThan(0);
    });
  });

  describe('when a client names a service but not its password', () => {
    it(`should refuse the SASL handshake ${N}x; the right password is accepted`, async () => {
      for (let i = 0; i < N; i++) {
        for (const user of [KAFKA_IDENTITIES['order-service'].user, KAFKA_IDENTITIES.operator.user, 'broker', 'nobody']) {
          const a = withPassword(user, `wrong-${i}`).admin();
          expect(await refusal(a.connect())).toBe('KafkaJSSASLAuthenticationError');
          await a.disconnect().catch(() => undefined);
        }
      }
      const own = KAFKA_IDENTITIES['order-service'];
      const a = withPassword(own.user, own.password).admin();
      await a.connect();
      expect((await a.describeCluster()).brokers).toHaveLength(3);
      await a.disconnect();
    });
  });

  describe("when user-service's credentials produce order.paid.v1", () => {
    it(`should answer TOPIC_AUTHORIZATION_FAILED ${N}x and write nothing; order-service may`, async () => {
      // One topic at a time: kafkajs' fetchTopicOffsets, run concurrently on one admin, can lose a topic's
      // answer (TypeError in its admin: "Cannot destructure property 'partitions' of 'high.pop(...)'"; tulios/kafkajs#461).
      const ends = async (): Promise<number[]> => {
        const out: number[] = [];
        for (const t of [TOPICS.orderPaid, TOPICS.orderRequests, TOPICS.flashSaleReserved]) out.push(await endOffset(t));
        return out;
      };
      const all = await ends();
      const before = all[0] as number;
      for (let i = 0; i < N; i++) {
        expect(await produceAs('user-service', TOPICS.orderPaid, controlValue())).toBe('TOPIC_AUTHORIZATION_FAILED');
        expect(await produceAs('user-service', TOPICS.orderRequests, controlValue())).toBe('TOPIC_AUTHORIZATION_FAILED');
        expect(await produceAs('user-service', TOPICS.flashSaleReserved, controlValue())).toBe('TOPIC_AUTHORIZATION_FAILED');
      }
      expect(await ends()).toEqual(all);
      // Control: the topic's one producer may (a poison envelope: its consumers dead-letter it).
      expect(await produceAs('order-service', TOPICS.orderPaid, controlValue())).toBe('ALLOWED');
      expect(await endOffset(TOPICS.orderPaid)).toBe(before + 1);
    });
  });

  describe("when a service writes another group's retry topic (a way back into that group's handler)", () => {
    it(`should answer TOPIC_AUTHORIZATION_FAILED ${N}x; a group writes its own dead-letter topic`, async () => {
      const intakeRetry = retryTopic(TOPICS.orderRequests, KAFKA_GROUPS.orderIntake.groupId);
      const statsRetry = retryTopic(TOPICS.orderPaid, KAFKA_GROUPS.userOrderStats.groupId);
      const before = [await endOffset(intakeRetry), await endOffset(statsRetry)];
      for (let i = 0; i < N; i++) {
        expect(await produceAs('user-service', intakeRetry, controlValue())).toBe('TOPIC_AUTHORIZATION_FAILED');
        expect(await produceAs('order-service', statsRetry, controlValue())).toBe('TOPIC_AUTHORIZATION_FAILED');
      }
      expect([await endOffset(intakeRetry), await endOffset(statsRetry)]).toEqual(before);
      // Control: user-service's own dead-letter topic (nothing consumes it).
      const ownDlq = dlqTopic(TOPICS.orderPaid, KAFKA_GROUPS.userOrderStats.groupId);
      const dlqBefore = await endOffset(ownDlq);
      expect(await produceAs('user-service', ownDlq, controlValue())).toBe('ALLOWED');
      expect(await endOffset(ownDlq)).toBe(dlqBefore + 1);
    });
  });

  describe("when a service consumes in another service's group, or a topic not its own", () => {
    it(`should refuse ${N}x and leave the group's committed offsets as they were; the group's own principal joins`, async () => {
      const stats = KAFKA_GROUPS.userOrderStats;
      // The operator's read of the group's offsets; a coordinator that moved since the last
      // read (earlier suites kill brokers) answers NOT_COORDINATOR once: ask again.
      const committed = async (): Promise<string> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return JSON.stringify(await (await admin('operator')).fetchOffsets({ groupId: stats.groupId, topics: [...stats.topics] }));
          } catch (e) {
            const type = (e as KafkaJsError).type ?? '';
            if (attempt >= 10 || !/COORDINATOR/.test(type)) throw e;
            await new Promise((r) => setTimeout(r, 300));
          }
        }
      };
      const before = await committed();
      for (let i = 0; i < N; i++) {
        // order-service in user-service's group: it could take partitions and skip events.
        expect(await joinAs('order-service', stats.groupId, TOPICS.orderPaid)).toBe('KafkaJSGroupCoordinatorNotFound');
        // user-service in its own group, on order-service's intake topic.
        expect(await joinAs('user-service', stats.groupId, TOPICS.orderRequests)).toBe('TOPIC_AUTHORIZATION_FAILED');
        // order-service reading user-service's group's offsets (reconnaissance for the above).
        expect(await refusal((await admin('order-service')).fetchOffsets({ groupId: stats.groupId, topics: [TOPICS.orderPaid] }))).toBe(
          'KafkaJSGroupCoordinatorNotFound',
        );
      }
      expect(await committed()).toBe(before);
      // "No coordinator" is also what an outage looks like: the brokers' authorizer log says it was a denial.
      const denial =
        /Principal = User:order-service is Denied operation = DESCRIBE .* on resource = Group:LITERAL:user-service\.order-stats/;
      const logs = KAFKA_NODES.map((n) => join(LOG_DIR, `kafka-${n.nodeId}-authorizer.log`)).filter((f) => existsSync(f));
      expect(logs.some((f) => denial.test(readFileSync(f, 'utf8')))).toBe(true);
      // Control: user-service joins its own group on its own topic (and commits nothing).
      expect(await joinAs('user-service', stats.groupId, TOPICS.orderPaid)).toBe('JOINED');
      expect(await committed()).toBe(before);
    }, 120_000);
  });

  describe('when a service creates or deletes topics, or grants itself rights', () => {
    it(`should refuse ${N}x and change no topic or ACL; the operator may`, async () => {
      const topicsBefore = (await (await admin('operator')).listTopics()).sort();
      const aclsBefore = await acls();
      for (let i = 0; i < N; i++) {
        for (const who of ['user-service', 'order-service'] as const) {
          const a = await admin(who);
          expect(await refusal(a.createTopics({ topics: [{ topic: `attack-${randomUUID()}` }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
          expect(await refusal(a.deleteTopics({ topics: [TOPICS.orderPaid], timeout: 2000 }))).toBe('TOPIC_AUTHORIZATION_FAILED');
          const grant = {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: TOPICS.orderPaid,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: `User:${KAFKA_IDENTITIES['user-service'].user}`,
            host: '*',
            operation: AclOperationTypes.WRITE,
            permissionType: AclPermissionTypes.ALLOW,
          };
          expect(await refusal(a.createAcls({ acl: [grant] }))).toBe('CLUSTER_AUTHORIZATION_FAILED');
        }
      }
      expect((await (await admin('operator')).listTopics()).sort()).toEqual(topicsBefore);
      expect(await acls()).toEqual(aclsBefore);
      expect(aclsBefore).toHaveLength(allKafkaAcls().length);
      // Control: the operator creates and deletes a scratch topic.
      const scratch = `attack-scratch-${randomUUID()}`;
      const op = await admin('operator');
      await op.createTopics({ waitForLeaders: true, topics: [{ topic: scratch, numPartitions: 1, replicationFactor: 3 }] });
      expect(await op.listTopics()).toContain(scratch);
      await op.deleteTopics({ topics: [scratch] });
    }, 120_000);
  });
});
