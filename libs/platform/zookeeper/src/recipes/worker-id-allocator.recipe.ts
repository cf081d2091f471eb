import { znodePaths } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from '../connection-state';
import { ExponentialBackoffRetry, type RetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';
import { isZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { protectedCreate, sequenceOf } from './protected-create';

export type WorkerIdListener = (workerId: number | undefined) => void;

/**
 * Hands each live instance a snowflake worker id in `[0, maxWorkers)` that no
 * other live instance holds: the id is the sequence number of an
 * ephemeral-sequential claim under `/workers/<service>` modulo `maxWorkers`,
 * and a claim whose id is held by an older live claim is dropped and retried.
 * When the session is LOST the id is withdrawn (listeners get `undefined`),
 * since another instance may take it; a fresh id is claimed in the new session.
 */
export class WorkerIdAllocator {
  private current: number | undefined;
  private claimPath: string | undefined;
  private readonly listeners = new Set<WorkerIdListener>();
  private offState: (() => void) | undefined;
  private readonly parent: string;
  private closed = false;

  constructor(
    private readonly client: ZookeeperClient,
    readonly serviceName: string,
    readonly instanceId: string,
    private readonly logger: JsonLogger,
    private readonly options: { maxWorkers: number; retry: RetryPolicy } = {
      maxWorkers: 1024,
      retry: new ExponentialBackoffRetry(50, 5, 1000),
    },
  ) {
    this.parent = znodePaths.workers(serviceName);
  }

  get workerId(): number | undefined {
    return this.current;
  }

  onChange(listener: WorkerIdListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Claims an id (once; later calls return the held id). */
  async allocate(): Promise<number> {
    if (this.closed) throw new Error('WorkerIdAllocator is closed');
    if (this.current !== undefined) return this.current;
    this.offState ??= this.client.onStateChange((c) => this.onConnectionChange(c));
    for (let attempt = 0; attempt < this.options.maxWorkers; attempt++) {
      const path = await protectedCreate(this.client, this.parent, 'worker-', this.instanceId, this.options.retry);
      const mine = sequenceOf(path);
      const id = mine % this.options.maxWorkers;
      const children = await withRetry(this.client, this.options.retry, () => this.client.getChildren(this.parent));
      const clash = children.some((c) => sequenceOf(c) < mine && sequenceOf(c) % this.options.maxWorkers === id);
      if (!clash) {
        this.claimPath = path;
        this.set(id);
        return id;
      }
      await this.client.delete(path).catch(() => undefined);
    }
    throw new Error(`no free worker id among ${this.options.maxWorkers} under ${this.parent}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.offState?.();
    const path = this.claimPath;
    this.claimPath = undefined;
    this.set(undefined);
    if (path) {
      await this.client.delete(path).catch((e: unknown) => {
        if (!isZkError(e, 'ZNONODE'))
          this.logger.warn({ component: 'worker-id', path, err: (e as Error).message }, 'could not delete the worker claim');
      });
    }
  }

  private onConnectionChange(c: ConnectionStateChange): void {
    if (this.closed) return;
    if (c.to === 'LOST') {
      this.claimPath = undefined;
      this.set(undefined);
    }
    if (c.to === 'RECONNECTED' && c.newSession) {
      this.allocate().catch((e: unknown) =>
        this.logger.error({ component: 'worker-id', err: (e as Error).message }, 'could not claim a new worker id'),
      );
    }
  }

  private set(id: number | undefined): void {
    if (this.current === id) return;
    this.current = id;
    this.logger.info(
      { component: 'worker-id', workerService: this.serviceName, workerId: id },
      id === undefined ? 'worker id withdrawn' : 'worker id claimed',
    );
    for (const l of this.listeners) l(id);
  }
}
