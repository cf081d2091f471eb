import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ConsumerLagMonitor, EventConsumer, EventProducer } from '@dsp/messaging';
import type { JsonLogger } from '@dsp/service-defaults';

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
    private readonly logger: JsonLogger,
  ) {}

  onModuleInit(): void {
    void this.producerReady().then(
      () => (this.closed ? undefined : this.consumer.start().then(() => this.lag.start())),
      () => undefined,
    );
  }

  producerReady(): Promise<void> {
    this.ready ??= (async () => {
      for (let attempt = 1; ; attempt++) {
        if (this.closed) throw new Error('closed');
        try {
          await this.producer.start();
          return;
        } catch (e) {
          this.logger.warn({ component: 'kafka-producer', attempt, err: (e as Error).message }, 'Kafka not reachable yet; retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
    return this.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const close = Promise.all([this.lag.close(), this.consumer.close()]);
    await Promise.race([close, new Promise((r) => setTimeout(r, 3000).unref())]);
    await this.producer.close();
  }
}
