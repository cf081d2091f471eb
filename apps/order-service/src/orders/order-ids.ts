import { SnowflakeIdGenerator } from '@dsp/database';
import type { JsonLogger } from '@dsp/service-defaults';
import type { WorkerIdAllocator } from '@dsp/zookeeper';

/** This instance holds no worker id right now (ZooKeeper session lost): no ids are made. Maps to 503. */
export class NoWorkerIdError extends Error {
  constructor() {
    super('no snowflake worker id (ZooKeeper session lost); orders cannot be created until a new id is claimed');
  }
}

/**
 * The instance's snowflake generator, tied to the worker id it holds in
 * ZooKeeper: when the id is withdrawn (session LOST: another instance may now
 * hold it), generation stops until a new id is claimed, so two live instances
 * never make ids with the same worker bits.
 */
export class OrderIds {
  private generator: SnowflakeIdGenerator | undefined;
  private off: (() => void) | undefined;

  constructor(
    private readonly allocator: WorkerIdAllocator,
    private readonly logger: JsonLogger,
  ) {}

  async start(): Promise<void> {
    this.off = this.allocator.onChange((id) => {
      this.generator = id === undefined ? undefined : new SnowflakeIdGenerator(id);
      this.logger.info({ component: 'order-ids', workerId: id ?? null }, id === undefined ? 'worker id withdrawn' : 'worker id claimed');
    });
    const id = await this.allocator.allocate();
    this.generator ??= new SnowflakeIdGenerator(id);
    this.logger.info({ component: 'order-ids', workerId: id }, 'snowflake worker id');
  }

  get current(): SnowflakeIdGenerator {
    if (!this.generator) throw new NoWorkerIdError();
    return this.generator;
  }

  async close(): Promise<void> {
    this.off?.();
    await this.allocator.close();
  }
}
