import type { KafkaConnection } from '@dsp/messaging';

/** Who leads each partition of a topic now. */
export interface KafkaLeaders {
  /** Partition -> the node id of its leader (-1 while it has none). */
  leaders(topic: string): Promise<ReadonlyMap<number, number>>;
}

/**
 * Partition leaders from the cluster's metadata, read as the console's Kafka
 * identity (DESCRIBE only, docs/security.md). Each read opens an admin client
 * from the bootstrap list and closes it, so a read right after a broker died
 * asks the brokers still alive rather than a connection to the dead one.
 */
export class AdminKafkaLeaders implements KafkaLeaders {
  private started?: Promise<void>;

  constructor(private readonly connection: KafkaConnection) {}

  async leaders(topic: string): Promise<ReadonlyMap<number, number>> {
    this.started ??= this.connection.start().catch(() => undefined);
    await this.started;
    const admin = this.connection.client.admin();
    try {
      await admin.connect();
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      return new Map((meta.topics[0]?.partitions ?? []).map((p) => [p.partitionId, p.leader]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
