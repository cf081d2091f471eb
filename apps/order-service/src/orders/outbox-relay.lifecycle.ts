import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { OutboxRelay } from '@dsp/orders';
import type { JsonLogger } from '@dsp/service-defaults';
import type { LeaderLatch } from '@dsp/zookeeper';

/**
 * Runs the outbox relay on exactly the instance that holds the
 * `order-outbox-relay` leader latch: started when leadership is gained (once
 * the instance's producer is connected), stopped when it is lost (session
 * SUSPENDED or LOST, or shutdown). When the leader dies, its latch node goes
 * with its session and another instance takes over the unpublished rows.
 */
export class OutboxRelayLifecycle implements OnModuleInit, OnApplicationShutdown {
  private closed = false;

  constructor(
    private readonly latch: LeaderLatch,
    private readonly relay: OutboxRelay,
    private readonly producerReady: () => Promise<void>,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    this.latch.onLeadershipChange((leader) => void this.onLeadership(leader));
    await this.latch.start();
  }

  private async onLeadership(leader: boolean): Promise<void> {
    if (!leader) {
      await this.relay.stop();
      return;
    }
    this.logger.info({ component: 'outbox-relay', leader: true }, 'outbox relay leadership gained');
    await this.producerReady().catch(() => undefined);
    if (this.latch.hasLeadership() && !this.closed) this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.relay.stop();
    await this.latch.close();
  }
}
