import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConsumerLagMonitor } from './consumer-lag-monitor';
import type { EventConsumer } from './event-consumer';
import type { EventProducer } from './event-producer';

/**
 * Runs a consumer in a Nest app without holding up the boot: connects the
 * producer it hands failures to (retrying until Kafka answers), then starts the
 * consumer and its lag gauge. On shutdown it leaves the group first, so its
 * partitions move at once, bounded to 3 s, then closes the producer.
 * `producerReady()` lets other parts of the app wait for the same producer.
 */
export class ConsumerRunner implements OnModuleInit, OnApplicationShutdown {
  private closed = false;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly producer: EventProducer,
    private readonly consumer: EventConsumer,
    private readonly lag: ConsumerLagMonitor,
    private readonly logger: JsonLogger,
  ) {}

  /** The consumer group's lag gauge (`lastLag` is the latest total). */
  get lagMonitor(): ConsumerLagMonitor {
    return this.lag;
  }

  onModuleInit(): void {
    this.producerReady()
      .then(async () => {
        if (this.closed) return;
        await this.consumer.start();
        if (!this.closed) this.lag.start();
      })
      .catch((e: unknown) => {
        // A shutdown that lands while the consumer is still joining its group
        // interrupts the start: expected, not worth more than a debug line.
        if (this.closed) this.logger.debug({ component: 'consumer-runner', err: (e as Error).message }, 'start interrupted by shutdown');
        else this.logger.error({ component: 'consumer-runner', err: (e as Error).message }, 'consumer did not start');
      });
  }

  producerReady(): Promise<void> {
    this.ready ??= this.producer.startWithRetry(() => this.closed);
    return this.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const close = Promise.all([this.lag.close(), this.consumer.close()]);
    await Promise.race([close, new Promise((r) => setTimeout(r, 3000).unref())]);
    await this.producer.close();
  }
}
