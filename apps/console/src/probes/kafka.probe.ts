import { KAFKA_GROUPS, TOPICS } from '@dsp/contracts';
import type { Probe } from './probe';
import type { KafkaConnection } from '@dsp/messaging';

type Admin = ReturnType<KafkaConnection['client']['admin']>;

export interface KafkaPartitionRow {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** The log end offset (high watermark). */
  readonly end: number;
}

export interface KafkaGroupRow {
  readonly groupId: string;
  readonly state: string;
  readonly members: number;
  /** Lag per topic: log end minus committed offset, summed over partitions (uncommitted partitions count from the log start). */
  readonly lag: Readonly<Record<string, number>>;
}

export interface KafkaView {
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number; readonly controller: boolean }[];
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly KafkaPartitionRow[];
    readonly underReplicated: number;
  }[];
  readonly groups: readonly KafkaGroupRow[];
}

/**
 * The Kafka panel: brokers and the active controller, each platform topic's
 * partition leaders, replicas and ISR, and each platform group's state and lag.
 * It reads as `User:dsp-console`, which may DESCRIBE and nothing else: it can
 * never read a record nor join a group (docs/security.md).
 */
export class KafkaProbe implements Probe<KafkaView> {
  readonly name = 'kafka';
  readonly cost: string;
  private admin?: Admin;
  private started?: Promise<void>;

  constructor(
    private readonly connection: KafkaConnection,
    readonly intervalMs = 2000,
  ) {
    const groups = Object.keys(KAFKA_GROUPS).length;
    this.cost = `every ${intervalMs} ms: cluster metadata, ${Object.keys(TOPICS).length} topics' offsets, ${groups} groups' offsets and descriptions`;
  }

  async collect(): Promise<KafkaView> {
    const admin = await this.connected();
    try {
      return await this.read(admin);
    } catch (e) {
      // A fresh admin on the next read: after a broker restart or a lost connection, start from the bootstrap list.
      this.admin = undefined;
      await admin.disconnect().catch(() => undefined);
      throw e;
    }
  }

  private async read(admin: Admin): Promise<KafkaView> {
    const cluster = await admin.describeCluster();
    const topicNames = Object.values(TOPICS) as string[];
    const meta = await admin.fetchTopicMetadata({ topics: topicNames });
    const ends = new Map<string, Map<number, { high: number; low: number }>>();
    const topics = [];
    for (const t of meta.topics.sort((a, b) => a.name.localeCompare(b.name))) {
      const offsets = await admin.fetchTopicOffsets(t.name);
      const byPartition = new Map(offsets.map((o) => [o.partition, { high: Number(o.high), low: Number(o.low) }]));
      ends.set(t.name, byPartition);
      const partitions = t.partitions
        .map((p) => ({
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
          end: byPartition.get(p.partitionId)?.high ?? 0,
        }))
        .sort((a, b) => a.partition - b.partition);
      topics.push({ topic: t.name, partitions, underReplicated: partitions.filter((p) => p.isr.length < p.replicas.length).length });
    }
    const described = await admin.describeGroups(Object.values(KAFKA_GROUPS).map((g) => g.groupId));
    const groups: KafkaGroupRow[] = [];
    for (const g of Object.values(KAFKA_GROUPS)) {
      const d = described.groups.find((x) => x.groupId === g.groupId);
      const lag: Record<string, number> = {};
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId: g.groupId, topics: [...g.topics] })) {
        let sum = 0;
        for (const [partition, end] of ends.get(topic) ?? new Map<number, { high: number; low: number }>()) {
          const c = Number(partitions.find((x) => x.partition === partition)?.offset ?? -1);
          sum += Math.max(0, end.high - (c >= 0 ? c : end.low));
        }
        lag[topic] = sum;
      }
      groups.push({ groupId: g.groupId, state: d?.state ?? 'Unknown', members: d?.members.length ?? 0, lag });
    }
    return {
      brokers: cluster.brokers
        .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, controller: b.nodeId === cluster.controller }))
        .sort((a, b) => a.nodeId - b.nodeId),
      topics,
      groups,
    };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
    await this.connection.close();
  }

  private async connected(): Promise<Admin> {
    if (this.admin) return this.admin;
    // The connection starts once; if the brokers were down then, its client still reconnects on use.
    this.started ??= this.connection.start().catch(() => undefined);
    await this.started;
    const admin = this.connection.client.admin();
    try {
      await admin.connect();
    } catch (e) {
      await admin.disconnect().catch(() => undefined);
      throw e;
    }
    this.admin = admin;
    return admin;
  }
}
