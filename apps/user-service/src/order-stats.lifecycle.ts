import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ConsumerLagMonitor, EventConsumer, EventProducer } from '@dsp/messaging';

/**
 * Starts the order-statistics consumer without holding up the boot (the HTTP
 * API works without Kafka; statistics catch up when it returns), retrying the
 * connection until it succeeds, exports the group's lag
 * (`kafka_consumer_lag`), and stops it on shutdown.
 */
export class OrderStatsLifecycle implements OnModuleInit, OnApplicationShutdown {
  private closed = false;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly producer: EventProducer,
    private readonly consumer: EventConsumer,
    private readonly lag: ConsumerLagMonitor,
  ) {}

  onModuleInit(): void {
    this.starting = this.startWithRetry();
  }

  private async startWithRetry(): Promise<void> {
    await this.producer.startWithRetry(() => this.closed);
    if (this.closed) return;
    await this.consumer.start();
    this.lag.start();
  }

  /** Leaves the consumer group (so its partitions move at once) without waiting for a start still in progress; bounded to 3 s. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const close = Promise.all([this.lag.close(), this.consumer.close(), this.producer.close()]);
    await Promise.race([close, new Promise((r) => setTimeout(r, 3000).unref())]);
    void this.starting?.catch(() => undefined);
  }
}
