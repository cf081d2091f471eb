import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { EventConsumer, EventProducer } from '@dsp/messaging';

/**
 * Starts the order-statistics consumer without holding up the boot (the HTTP
 * API works without Kafka; statistics catch up when it returns), retrying the
 * connection until it succeeds, and stops it on shutdown.
 */
export class OrderStatsLifecycle implements OnModuleInit, OnApplicationShutdown {
  private closed = false;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly producer: EventProducer,
    private readonly consumer: EventConsumer,
  ) {}

  onModuleInit(): void {
    this.starting = this.startWithRetry();
  }

  private async startWithRetry(): Promise<void> {
    await this.producer.startWithRetry(() => this.closed);
    if (!this.closed) await this.consumer.start();
  }

  /** Leaves the consumer group (so its partitions move at once) without waiting for a start still in progress; bounded to 3 s. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const close = Promise.all([this.consumer.close(), this.producer.close()]);
    await Promise.race([close, new Promise((r) => setTimeout(r, 3000).unref())]);
    void this.starting?.catch(() => undefined);
  }
}
