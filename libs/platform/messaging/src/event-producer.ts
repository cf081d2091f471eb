import { Partitioners, type Producer, type RecordMetadata } from 'kafkajs';
import type { JsonLogger } from '@dsp/service-defaults';
import type { KafkaConnection } from './kafka-connection';

/** One message to publish. */
export interface OutgoingMessage {
  /** Partition key: all messages of one key go to one partition, in order. */
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface EventProducerOptions {
  /** Wait this long for more messages before sending a request, in ms. @default 2 */
  lingerMs: number;
  /** Send at once when this many messages are queued. @default 500 */
  maxBatch: number;
}

export const DEFAULT_EVENT_PRODUCER_OPTIONS: EventProducerOptions = { lingerMs: 2, maxBatch: 500 };

/** A send the cluster did not acknowledge (or a producer not started yet): nothing can be assumed published. Maps to HTTP 503. */
export class PublishError extends Error {
  constructor(cause: string) {
    super(`Kafka did not acknowledge the message: ${cause}`);
  }
}

/**
 * A Kafka producer that never acknowledges a send the cluster did not take:
 * `acks=all` (with the topics' `min.insync.replicas=2`, at least two replicas
 * hold each message), idempotent (the broker drops duplicates of a retried
 * batch), one request in flight (order kept per partition across retries).
 * `send` resolves only once acknowledged and rejects otherwise; it never
 * drops a message silently: callers (the outbox relay) keep the rows and retry.
 *
 * Every message is given its partition here (the same one kafkajs's default
 * partitioner picks: murmur2 of the key, so keys keep their partition), and a
 * request counts as acknowledged only if the cluster's answer names every
 * partition it carried. kafkajs 2.2.4 can resolve a `sendBatch` that lost
 * messages: when one broker answered and another failed, and the failed
 * partitions' new leader is the broker that already answered, its retry skips
 * them (`sendMessages.js`, `brokersWithoutResponse`). Seen as acknowledged
 * orders without their events in the broker-kill test; such a request now
 * rejects and is sent again.
 *
 * Lifecycle: `start()` once (a second call throws; a start that could not
 * connect may be retried); `close()` is safe to call twice.
 */
export class EventProducer {
  private producer: Producer | undefined;
  private lifecycle: 'LATENT' | 'STARTED' | 'CLOSED' = 'LATENT';
  private readonly options: EventProducerOptions;
  private readonly queue: { topic: string; messages: readonly OutgoingMessage[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  private queued = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private flushing = false;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitions = new Map<string, number>();

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly logger: JsonLogger,
    options: Partial<EventProducerOptions> = {},
  ) {
    this.options = { ...DEFAULT_EVENT_PRODUCER_OPTIONS, ...options };
  }

  async start(): Promise<void> {
    if (this.lifecycle !== 'LATENT') throw new Error(`EventProducer.start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
    this.producer = this.create();
    try {
      await this.producer.connect();
    } catch (e) {
      // Not connected: back to LATENT so the caller may try again later.
      this.producer = undefined;
      this.lifecycle = 'LATENT';
      throw e;
    }
    this.logger.info({ component: 'event-producer' }, 'event producer LATENT -> STARTED');
  }

  /**
   * Starts, retrying every `intervalMs` until Kafka answers; gives up (rejects)
   * once `stopped()` says the owner is closing. For services that must boot
   * while Kafka is down.
   */
  async startWithRetry(stopped: () => boolean, intervalMs = 1000): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (stopped()) throw new Error('EventProducer: stopped before Kafka was reachable');
      try {
        await this.start();
        return;
      } catch (e) {
        this.logger.warn({ component: 'event-producer', attempt, err: (e as Error).message }, 'Kafka not reachable yet; retrying');
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    }
  }

  /**
   * Publishes to one topic; resolves once every message is acknowledged by the
   * in-sync replicas. Concurrent calls are coalesced (Kafka's `linger.ms`):
   * messages queued within `lingerMs` go out in one request, and each caller
   * learns the outcome of the request that carried its messages.
   */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.lifecycle !== 'STARTED') return Promise.reject(new PublishError(`the producer is ${this.lifecycle}`));
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, messages, resolve, reject });
      this.queued += messages.length;
      if (this.queued >= this.options.maxBatch) void this.flush();
      else this.lingerTimer ??= setTimeout(() => void this.flush(), this.options.lingerMs);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.flushing) return; // the running flush picks the queue up when it ends
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.queue.length);
        this.queued = 0;
        const byTopic = new Map<string, OutgoingMessage[]>();
        for (const q of batch) byTopic.set(q.topic, [...(byTopic.get(q.topic) ?? []), ...q.messages]);
        try {
          const producer = await this.connected();
          const topicMessages = await Promise.all(
            [...byTopic].map(async ([topic, msgs]) => {
              const count = await this.partitionCount(topic);
              const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
                partitionId,
                leader: 0,
                partitionErrorCode: 0,
                replicas: [],
                isr: [],
              }));
              return {
                topic,
                messages: msgs.map((m) => ({
                  key: m.key,
                  value: m.value,
                  headers: m.headers,
                  partition: this.partitioner({ topic, partitionMetadata, message: { key: m.key, value: m.value } }),
                })),
              };
            }),
          );
          const acked = await producer.sendBatch({ acks: -1, timeout: 10_000, topicMessages });
          EventProducer.checkEveryPartitionAcknowledged(topicMessages, acked);
          for (const q of batch) q.resolve();
        } catch (e) {
          const failed = new PublishError((e as Error).message);
          for (const q of batch) q.reject(failed);
          await this.reset(e as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Throws unless the cluster's answer names, without an error, every (topic, partition) the request carried. */
  static checkEveryPartitionAcknowledged(
    sent: readonly { topic: string; messages: readonly { partition: number }[] }[],
    acked: readonly RecordMetadata[],
  ): void {
    const ok = new Set(acked.filter((r) => r.errorCode === 0).map((r) => `${r.topicName}/${r.partition}`));
    const missing = new Set<string>();
    for (const t of sent) for (const m of t.messages) if (!ok.has(`${t.topic}/${m.partition}`)) missing.add(`${t.topic}/${m.partition}`);
    if (missing.size > 0) throw new Error(`the cluster's answer did not acknowledge ${[...missing].join(', ')}`);
  }

  private async partitionCount(topic: string): Promise<number> {
    let n = this.partitions.get(topic);
    if (n === undefined) {
      n = await this.kafka.partitionCount(topic);
      this.partitions.set(topic, n);
    }
    return n;
  }

  private create(): Producer {
    return this.kafka.client.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  /** The live producer, reconnecting a new one after a {@link reset}. */
  private async connected(): Promise<Producer> {
    if (this.lifecycle !== 'STARTED') throw new Error(`EventProducer is ${this.lifecycle}`);
    if (!this.producer) {
      const p = this.create();
      await p.connect();
      this.producer = p;
      this.logger.info({ component: 'event-producer' }, 'producer reconnected with a new producer id');
    }
    return this.producer;
  }

  /**
   * After a failed send the producer is replaced: an idempotent producer whose
   * sequence numbers got out of step with a broker that died and came back
   * (OUT_OF_ORDER_SEQUENCE_NUMBER) never recovers by itself. A new producer id
   * may resend messages a failed batch had in fact delivered: at-least-once,
   * which the consumers' inbox absorbs.
   */
  private async reset(cause: Error): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    this.partitions.clear(); // re-read partition counts with the next request
    this.logger.warn({ component: 'event-producer', err: cause.message }, 'send failed; replacing the producer');
    await old?.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'CLOSED') return;
    const was = this.lifecycle;
    this.lifecycle = 'CLOSED';
    if (was === 'STARTED') {
      await this.flush();
      await this.producer?.disconnect().catch(() => undefined);
    }
  }
}
