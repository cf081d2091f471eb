import type { Consumer, IHeaders, KafkaMessage } from 'kafkajs';
import { dlqTopic, PoisonMessageError, retryTopic } from '@dsp/contracts';
import type { JsonLogger, MetricsRegistry } from '@dsp/service-defaults';
import { consumeTraced } from '@dsp/telemetry';
import type { EventProducer } from './event-producer';
import type { KafkaConnection } from './kafka-connection';

/** What a handler gets. */
export interface IncomingMessage {
  /** The main topic (also for a message that came back through the group's retry topic). */
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** 1 for the first delivery, 2.. for retries. */
  attempt: number;
}

export interface EventConsumerOptions {
  /** Consumer group. */
  groupId: string;
  /** Main topics; the group's retry topics (`<topic>.<groupId>.retry`) are consumed too. */
  topics: string[];
  /** Attempts before a message goes to `<topic>.<groupId>.dlq` (the first delivery counts). @default 4 */
  maxAttempts: number;
  /** Delay before retry n is n x this, in ms. @default 500 */
  retryBackoffMs: number;
  /** Partitions processed concurrently. @default 3 */
  partitionsConsumedConcurrently: number;
  /**
   * Longest a fetch waits at the broker for data. `close()` waits for the fetch
   * in flight, so this also bounds how long leaving the group takes; with
   * several brokers it is also the polling interval of a quiet partition.
   * @default 500 (the Java consumer's `fetch.max.wait.ms`; kafkajs's 5000 made every shutdown wait ~5 s)
   */
  maxWaitTimeMs: number;
}

export const DEFAULT_EVENT_CONSUMER_OPTIONS: Omit<EventConsumerOptions, 'groupId' | 'topics'> = {
  maxAttempts: 4,
  retryBackoffMs: 500,
  partitionsConsumedConcurrently: 3,
  maxWaitTimeMs: 500,
};

/** Handled messages between two offset resolutions (and heartbeats) within a batch. */
const RESOLVE_EVERY = 100;

const H = { attempt: 'x-attempt', origin: 'x-original-topic', error: 'x-error', notBefore: 'x-not-before' } as const;

function headersOf(raw: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return out;
}

/**
 * Why `e` means this principal may not use its group or topics, or undefined
 * for any other error; looks through kafkajs' wrappers (`cause`,
 * `originalError`, a retry error's last one).
 */
export function deniedCause(e: unknown): string | undefined {
  let err = e as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; depth < 5 && err !== undefined && err !== null; depth++) {
    if (err.type === 'GROUP_AUTHORIZATION_FAILED' || err.type === 'TOPIC_AUTHORIZATION_FAILED') return `not authorised (${err.type})`;
    err = (err.originalError ?? err.cause) as typeof err;
  }
  return undefined;
}

/**
 * At-least-once consumption with retries and a dead-letter topic, without
 * ever blocking a partition on one bad message:
 *
 * - The offset of a message is committed only after its handler resolved, or
 *   after the message was handed to the group's retry or dead-letter topic (acknowledged by Kafka).
 *   A crash in between redelivers it: handlers must be idempotent (the inbox
 *   pattern makes the effect happen once).
 * - A failing message is republished to `<topic>.<groupId>.retry` with its
 *   attempt count and a not-before time, and the partition moves on; the
 *   retry topic is consumed by the same group and waits out the backoff there.
 *   Each group has its own hand-off topics, so its principal needs WRITE on
 *   nothing but them, and one group's retries never reach another group.
 * - After `maxAttempts`, or at once for a {@link PoisonMessageError}, it goes
 *   to `<topic>.<groupId>.dlq` with the error in `x-error`.
 * - A topic the principal may not read is a configuration error, not a
 *   transient one: the consumer stops and logs it as such instead of retrying
 *   forever. A group it may not use reaches kafkajs as "group coordinator not
 *   found" (the GROUP_AUTHORIZATION_FAILED behind it is only in kafkajs' debug
 *   log), which an outage also causes: the consumer keeps retrying and logs
 *   each crash with both causes named.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice.
 */
export class EventConsumer {
  private readonly options: EventConsumerOptions;
  private consumer: Consumer | undefined;
  private lifecycle: 'LATENT' | 'STARTED' | 'CLOSED' = 'LATENT';
  private readonly mainOfRetry: Map<string, string>;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly producer: EventProducer,
    private readonly handler: (m: IncomingMessage) => Promise<void>,
    private readonly logger: JsonLogger,
    options: Partial<EventConsumerOptions> & Pick<EventConsumerOptions, 'groupId' | 'topics'>,
    private readonly metrics?: MetricsRegistry,
  ) {
    this.options = { ...DEFAULT_EVENT_CONSUMER_OPTIONS, ...options };
    if (this.options.maxAttempts < 1) throw new Error('EventConsumer: maxAttempts must be >= 1');
    this.mainOfRetry = new Map(this.options.topics.map((t) => [retryTopic(t, this.options.groupId), t]));
  }

  async start(): Promise<void> {
    if (this.lifecycle !== 'LATENT') throw new Error(`EventConsumer.start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
    const consumer = this.kafka.client.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 3000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // A refused topic is not retriable: kafkajs stops the consumer; say why, once, as an error.
      const denied = deniedCause(payload.error);
      if (denied !== undefined) {
        this.logger.error(
          { component: 'event-consumer', groupId: this.options.groupId, restart: payload.restart, err: payload.error.message },
          `consumer stopped: ${denied}; grant the ACLs (docs/security.md) and restart`,
        );
        return;
      }
      if (payload.error.name !== 'KafkaJSGroupCoordinatorNotFound') return;
      this.logger.error(
        { component: 'event-consumer', groupId: this.options.groupId, restart: payload.restart },
        'no coordinator for the group: the principal may not use this group (ACLs, docs/security.md) or the cluster has no coordinator',
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics, ...this.mainOfRetry.keys()], fromBeginning: true });
    // close() while connecting: stop here rather than join the group on the way
    // out, and drop a connection that may have completed after close()'s disconnect.
    if (this.isClosed()) {
      await consumer.disconnect().catch(() => undefined);
      return;
    }
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      // A batch at a time (kafkajs' per-message runner costs about a third of the throughput), still
      // one message after another. Only the offset of a message already handled (or handed to retry or
      // DLQ) is ever resolved, every RESOLVE_EVERY messages and whenever the batch ends, throws or goes
      // stale (resolving each one cost as much again): a crash redelivers at most that many handled
      // messages, which at-least-once delivery allows.
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        let handled: string | undefined;
        const resolve = (): void => {
          if (handled !== undefined) resolveOffset(handled);
          handled = undefined;
          this.flushCounts();
        };
        try {
          let n = 0;
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) return;
            await this.process(batch.topic, message);
            handled = message.offset;
            if (++n % RESOLVE_EVERY === 0) {
              resolve();
              await heartbeat();
            }
          }
        } finally {
          resolve();
        }
      },
    });
    this.logger.info(
      { component: 'event-consumer', groupId: this.options.groupId, topics: this.options.topics },
      'consumer LATENT -> STARTED',
    );
  }

  private isClosed(): boolean {
    return this.lifecycle === 'CLOSED';
  }

  /** Outcomes counted since the last flush, by topic and outcome: the counter is told once per resolution, not per message. */
  private readonly tally = new Map<string, { topic: string; outcome: string; n: number }>();

  private count(topic: string, outcome: string): void {
    if (this.metrics === undefined) return;
    const key = `${topic}\u0000${outcome}`;
    const t = this.tally.get(key);
    if (t === undefined) this.tally.set(key, { topic, outcome, n: 1 });
    else t.n++;
  }

  private flushCounts(): void {
    if (this.metrics === undefined || this.tally.size === 0) return;
    const counter = this.metrics.counter('events_consumed_total', 'Consumed events by topic and outcome.', ['group', 'topic', 'outcome']);
    for (const { topic, outcome, n } of this.tally.values()) counter.inc({ group: this.options.groupId, topic, outcome }, n);
    this.tally.clear();
  }

  private async process(topic: string, message: KafkaMessage): Promise<void> {
    const headers = headersOf(message.headers);
    const retryOf = this.mainOfRetry.get(topic);
    const isRetry = retryOf !== undefined;
    // The retry topic names its main topic; a header cannot redirect it.
    const main = retryOf ?? topic;
    const attempt = isRetry ? Number(headers[H.attempt] ?? 2) : 1;
    if (isRetry) {
      const wait = Number(headers[H.notBefore] ?? 0) - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 60_000)));
    }
    const value = message.value?.toString() ?? '';
    const key = message.key?.toString() ?? null;
    try {
      await consumeTraced(main, headers, () => this.handler({ topic: main, key, value, headers, attempt }));
      this.count(main, isRetry ? 'ok-after-retry' : 'ok');
    } catch (e) {
      const err = e as Error;
      const poison = e instanceof PoisonMessageError;
      const toDlq = poison || attempt >= this.options.maxAttempts;
      const target = toDlq ? dlqTopic(main, this.options.groupId) : retryTopic(main, this.options.groupId);
      const next: Record<string, string> = {
        ...headers,
        [H.origin]: main,
        [H.attempt]: String(attempt + 1),
        [H.error]: `${poison ? 'poison' : 'failed'} (attempt ${attempt}): ${err.message}`.slice(0, 1000),
        [H.notBefore]: String(Date.now() + attempt * this.options.retryBackoffMs),
      };
      // Until this send is acknowledged the offset is not committed: a crash here redelivers the message.
      await this.producer.send(target, [{ key: key ?? '', value, headers: next }]);
      this.count(main, toDlq ? 'dead-lettered' : 'retried');
      this.logger.warn(
        { component: 'event-consumer', topic: main, key, attempt, to: target, err: err.message },
        toDlq ? 'message dead-lettered' : 'message sent to retry',
      );
    }
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'CLOSED') return;
    const was = this.lifecycle;
    this.lifecycle = 'CLOSED';
    if (was === 'STARTED') await this.consumer?.disconnect().catch(() => undefined);
  }
}
