import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConsumerRunner } from './consumer-runner';
import type { EventProducer } from './event-producer';

export interface KafkaRuntimeOptions {
  /** Longest shutdown waits for the consumers to leave their groups before the producer closes, in ms. @default 3000 */
  closeTimeoutMs: number;
}

/**
 * A service's one {@link EventProducer} and the consumers that hand their
 * retries and dead letters to it, under one lifecycle:
 * - the boot is never held up by Kafka: the producer connects in the
 *   background, retrying until Kafka answers ({@link producerReady});
 * - a consumer starts only once that producer is connected, so its first
 *   failing message can be handed off;
 * - on shutdown every consumer leaves its group first (bounded by
 *   `closeTimeoutMs`, so its partitions move to another instance at once), and
 *   only then does the producer close, so no hand-off meets a closed producer.
 * Started once by Nest; closing twice is safe.
 */
export class KafkaRuntime implements OnModuleInit, OnApplicationShutdown {
  private readonly consumers: ConsumerRunner[] = [];
  private state: 'NEW' | 'STARTED' | 'CLOSED' = 'NEW';
  private ready: Promise<void> | undefined;
  private readonly options: KafkaRuntimeOptions;

  constructor(
    readonly producer: EventProducer,
    private readonly logger: JsonLogger,
    options: Partial<KafkaRuntimeOptions> = {},
  ) {
    this.options = { closeTimeoutMs: 3000, ...options };
  }

  /** Registers a consumer (one per group); it starts with the runtime, or at once if the runtime runs already. */
  add(consumer: ConsumerRunner): void {
    if (this.state === 'CLOSED') throw new Error('KafkaRuntime is closed');
    this.consumers.push(consumer);
    if (this.state === 'STARTED') consumer.start(this.producerReady());
  }

  onModuleInit(): void {
    if (this.state !== 'NEW') return;
    this.state = 'STARTED';
    const ready = this.producerReady();
    for (const c of this.consumers) c.start(ready);
  }

  /** Resolves once the producer is connected; rejects only if the runtime closed first. Anyone may wait on it (the outbox relay does). */
  producerReady(): Promise<void> {
    if (!this.ready) {
      this.ready = this.producer.startWithRetry(() => this.state === 'CLOSED');
      this.ready.catch((e: unknown) =>
        this.logger.debug({ component: 'kafka-runtime', err: (e as Error).message }, 'producer start interrupted by shutdown'),
      );
    }
    return this.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    const left = Promise.all(
      this.consumers.map((c) =>
        c
          .close()
          .catch((e: unknown) => this.logger.warn({ component: 'kafka-runtime', err: (e as Error).message }, 'consumer close failed')),
      ),
    );
    await Promise.race([left, new Promise((r) => setTimeout(r, this.options.closeTimeoutMs).unref())]);
    await this.producer.close();
  }
}
