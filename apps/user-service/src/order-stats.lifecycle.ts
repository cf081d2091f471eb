import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { EventConsumer, EventProducer } from '@dsp/messaging';
import type { JsonLogger } from '@dsp/service-defaults';

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
    private readonly logger: JsonLogger,
  ) {}

  onModuleInit(): void {
    this.starting = this.startWithRetry();
  }

  private async startWithRetry(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.producer.start();
        break;
      } catch (e) {
        this.logger.warn({ component: 'order-stats', attempt, err: (e as Error).message }, 'Kafka not reachable yet; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
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
