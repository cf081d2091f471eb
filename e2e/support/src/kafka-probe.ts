import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_KAFKA_BROKERS, KAFKA_IDENTITIES } from '@dsp/contracts';

export interface ProbedMessage {
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** A kafkajs client of the local stack as `who` (default: the operator, a super user). */
export function kafkaAs(who: keyof typeof KAFKA_IDENTITIES = 'operator', clientId = `probe-${process.pid}`): Kafka {
  const id = KAFKA_IDENTITIES[who];
  return new Kafka({
    clientId,
    brokers: [...DEFAULT_KAFKA_BROKERS],
    sasl: { mechanism: 'scram-sha-512', username: id.user, password: id.password },
    logLevel: logLevel.NOTHING,
  });
}

function client(): Kafka {
  return kafkaAs('operator');
}

/**
 * Test access to Kafka below the platform libs, as the operator: publish raw bytes (e.g. a
 * poison message no producer of the platform would write) and wait for a
 * message on any topic (e.g. a `.dlq`); see who is in a consumer group.
 */
export const kafkaProbe = {
  async publish(topic: string, key: string, value: string, headers: Record<string, string> = {}): Promise<void> {
    const producer = client().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
    } finally {
      await producer.disconnect();
    }
  },

  /** A consumer group's lag (latest offsets minus committed offsets, summed over partitions) per topic. */
  async groupLag(groupId: string, topics: string[]): Promise<Record<string, number>> {
    const admin = client().admin();
    await admin.connect();
    try {
      const out: Record<string, number> = {};
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
        let lag = 0;
        for (const p of await admin.fetchTopicOffsets(topic)) {
          const c = partitions.find((x) => x.partition === p.partition);
          lag += Math.max(0, Number(p.high) - (c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low)));
        }
        out[topic] = lag;
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  },

  /** Reads `topic` from the beginning until `match` accepts a message, or `timeoutMs` passes (rejects). */
  async waitFor(topic: string, match: (m: ProbedMessage) => boolean, timeoutMs = 30_000): Promise<ProbedMessage> {
    const consumer = client().consumer({ groupId: `probe-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      return await new Promise<ProbedMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
        void consumer.run({
          eachMessage: async ({ message }) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {}))
              if (v !== undefined) headers[k] = String(Array.isArray(v) ? v[0] : v);
            const m = { key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers };
            if (match(m)) {
              clearTimeout(timer);
              resolve(m);
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
  },

  /** For each consumer group, whether a member with this client id is in it now. */
  async memberships(groups: readonly string[], clientId: string): Promise<Record<string, boolean>> {
    if (groups.length === 0) return {};
    const admin = client().admin();
    await admin.connect();
    try {
      const { groups: described } = await admin.describeGroups([...groups]);
      return Object.fromEntries(described.map((g) => [g.groupId, g.members.some((m) => m.clientId === clientId)]));
    } finally {
      await admin.disconnect();
    }
  },
};
