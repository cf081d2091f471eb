import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { EventProducer } from '@dsp/messaging';
import type { OutboxRelay } from '@dsp/orders';
import type { JsonLogger } from '@dsp/service-defaults';
import type { LeaderLatch } from '@dsp/zookeeper';

/**
 * Runs the outbox relay on exactly the instance that holds the
 * `order-outbox-relay` leader latch: started when leadership is gained (once
 * the producer is connected), stopped when it is lost (session SUSPENDED or
 * LOST, or shutdown). When the leader dies, its latch node goes with its
 * session and another instance takes over the unpublished rows.
 */
export class OutboxRelayLifecycle implements OnModuleInit, OnApplicationShutdown {
  private producerReady: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly latch: LeaderLatch,
    private readonly relay: OutboxRelay,
    private readonly producer: EventProducer,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    this.latch.onLeadershipChange((leader) => void this.onLeadership(leader));
    await this.latch.start();
  }

  private ensureProducer(): Promise<void> {
    this.producerReady ??= (async () => {
      for (;;) {
        try {
          await this.producer.start();
          return;
        } catch (e) {
          if (this.closed) throw e;
          this.logger.warn({ component: 'outbox-relay', err: (e as Error).message }, 'producer not connected yet; retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
    return this.producerReady;
  }

  private async onLeadership(leader: boolean): Promise<void> {
    if (!leader) {
      await this.relay.stop();
      return;
    }
    this.logger.info({ component: 'outbox-relay', leader: true }, 'outbox relay leadership gained');
    await this.ensureProducer();
    if (this.latch.hasLeadership() && !this.closed) this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.relay.stop();
    await this.latch.close();
    await this.producer.close();
  }
}
