import type { JsonLogger } from '@dsp/service-defaults';
import type { ConsumerLagMonitor } from './consumer-lag-monitor';
import type { EventConsumer } from './event-consumer';

/**
 * One consumer group of a service, driven by {@link KafkaRuntime}: started once
 * the producer it hands failures to is connected, without holding up the boot,
 * and closed (leaving the group) before that producer. A start that fails is
 * logged, never left as a rejection nobody handles: a debug line when shutdown
 * interrupted it while joining the group, an error line otherwise.
 */
export class ConsumerRunner {
  private closed = false;

  constructor(
    private readonly consumer: EventConsumer,
    private readonly lag: ConsumerLagMonitor,
    private readonly logger: JsonLogger,
  ) {}

  /** The consumer group's lag gauge (`lastLag` is the latest total). */
  get lagMonitor(): ConsumerLagMonitor {
    return this.lag;
  }

  /** Starts the consumer and its lag gauge once `producerReady` resolves; returns at once. */
  start(producerReady: Promise<void>): void {
    producerReady
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

  /** Leaves the group and stops the gauge; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.lag.close(), this.consumer.close()]);
  }
}
