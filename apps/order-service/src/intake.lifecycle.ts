import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ConsumerLagMonitor, EventConsumer, EventProducer } from '@dsp/messaging';

/**
 * Connects the instance's Kafka producer (retrying until Kafka answers, without
 * holding up the boot), then starts the intake consumer and its lag monitor.
 * `producerReady` lets the outbox relay wait for the same producer.
 */
export class IntakeLifecycle implements OnModuleInit, OnApplicationShutdown {
  private closed = false;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly producer: EventProducer,
    private readonly consumer: EventConsumer,
    private readonly lag: ConsumerLagMonitor,
  ) {}

  onModuleInit(): void {
    void this.producerReady().then(
      () => (this.closed ? undefined : this.consumer.start().then(() => this.lag.start())),
      () => undefined,
    );
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
