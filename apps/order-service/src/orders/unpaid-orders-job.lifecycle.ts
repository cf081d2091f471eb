import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { FencedOffError, type UnpaidOrderCanceller } from '@dsp/orders';
import type { JsonLogger } from '@dsp/service-defaults';
import { InterProcessMutex, type ItemAssignment, type ZookeeperClient } from '@dsp/zookeeper';

/**
 * Runs the unpaid-order job on this instance's share of the work items
 * (assigned through ZooKeeper by {@link ItemAssignment}), every
 * `jobs.scanIntervalSeconds`. Each item run holds the item's
 * `InterProcessMutex` (skipped when another instance holds it) and passes the
 * lock's fencing token to the database write, so an item never runs on two
 * instances at once, even while the assignment is changing.
 */
export class UnpaidOrdersJobLifecycle implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly zk: ZookeeperClient,
    private readonly assignment: ItemAssignment,
    private readonly job: UnpaidOrderCanceller,
    private readonly settings: () => { intervalSeconds: number; maxAgeSeconds: number },
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.assignment.start();
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => this.schedule());
    }, this.settings().intervalSeconds * 1000);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    for (const item of this.assignment.myItems()) {
      if (this.closed) return;
      const mutex = new InterProcessMutex(this.zk, `job-cancel-unpaid-${item}`, this.logger);
      let token: bigint | undefined;
      try {
        token = await mutex.acquire(0);
        if (token === undefined) continue; // another instance is on it
        await this.job.runItem(item, token, this.settings().maxAgeSeconds);
      } catch (e) {
        const fenced = e instanceof FencedOffError;
        this.logger.warn(
          { component: 'unpaid-order-job', item, err: (e as Error).message },
          fenced ? 'item run fenced off' : 'item run failed',
        );
      } finally {
        if (token !== undefined) await mutex.release().catch(() => undefined);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.assignment.close();
  }
}
