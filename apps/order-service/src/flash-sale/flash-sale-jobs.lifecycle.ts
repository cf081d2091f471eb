import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { FlashSaleReconciler, FlashSaleService } from '@dsp/orders';
import type { JsonLogger } from '@dsp/service-defaults';

export interface FlashSaleJobsOptions {
  /** How often the completer and the reconciler run, in ms. @default 1000 */
  intervalMs: number;
  /** A purchase `pending` for longer than this is completed by the background job, in ms. @default 10000 */
  pendingAfterMs: number;
}

/**
 * The background half of flash sales, on every instance (both jobs are
 * idempotent): completes purchases whose order was not written (their process
 * died between the unit and the order) and reconciles Redis with the database
 * for `redis-reserve` sales. A failing pass is logged and retried next tick.
 */
export class FlashSaleJobsLifecycle implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sales: FlashSaleService,
    private readonly reconciler: FlashSaleReconciler,
    private readonly logger: JsonLogger,
    private readonly options: FlashSaleJobsOptions = { intervalMs: 1000, pendingAfterMs: 10_000 },
  ) {}

  onModuleInit(): void {
    const tick = (): void => {
      if (this.closed) return;
      this.running = this.pass().finally(() => {
        if (!this.closed) {
          this.timer = setTimeout(tick, this.options.intervalMs);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      await this.sales.completeStale(this.options.pendingAfterMs);
      await this.reconciler.runOnce();
    } catch (e) {
      this.logger.warn({ component: 'flash-sale-jobs', err: (e as Error).message }, 'flash-sale maintenance pass failed; retrying');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
