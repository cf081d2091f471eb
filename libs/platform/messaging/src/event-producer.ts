import type { Producer } from 'kafkajs';
import type { JsonLogger } from '@dsp/service-defaults';
import type { KafkaConnection } from './kafka-connection';

/** One message to publish. */
export interface OutgoingMessage {
  /** Partition key: all messages of one key go to one partition, in order. */
  key: string;
  value: string;
  headers?: Record<string, string>;
}

/**
 * A Kafka producer that never acknowledges a send the cluster did not take:
 * `acks=all` (with the topics' `min.insync.replicas=2`, at least two replicas
 * hold each message), idempotent (the broker drops duplicates of a retried
 * batch), one request in flight (order kept per partition across retries).
 * `send` resolves only once acknowledged and rejects otherwise; it never
 * drops a message silently: callers (the outbox relay) keep the rows and retry.
 *
 * Lifecycle: `start()` once (a second call throws; a start that could not
 * connect may be retried); `close()` is safe to call twice.
 */
export class EventProducer {
  private producer: Producer | undefined;
  private lifecycle: 'LATENT' | 'STARTED' | 'CLOSED' = 'LATENT';

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly logger: JsonLogger,
  ) {}

  async start(): Promise<void> {
    if (this.lifecycle !== 'LATENT') throw new Error(`EventProducer.start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
    this.producer = this.kafka.client.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
    });
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

  /** Publishes to one topic; resolves once every message is acknowledged by the in-sync replicas. */
  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.lifecycle !== 'STARTED' || !this.producer) throw new Error(`EventProducer is ${this.lifecycle}`);
    if (messages.length === 0) return;
    await this.producer.send({
      topic,
      acks: -1,
      timeout: 10_000,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
    });
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'CLOSED') return;
    const was = this.lifecycle;
    this.lifecycle = 'CLOSED';
    if (was === 'STARTED') await this.producer?.disconnect().catch(() => undefined);
  }
}
