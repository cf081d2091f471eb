import { znodePaths } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from '../connection-state';
import { ExponentialBackoffRetry, type RetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';
import { isZkError } from '../zk-error';
import type { ZkStat } from '../zk-types';
import type { ZookeeperClient } from '../zookeeper-client';
import { bySequence, protectedCreate } from './protected-create';

export type LockLossReason = 'SUSPENDED' | 'LOST';
export type LockLossListener = (reason: LockLossReason) => void;

export interface InterProcessMutexOptions {
  /** Retry policy for the lock's own ZooKeeper operations. @default ExponentialBackoffRetry(50, 5, 1000) */
  retry: RetryPolicy;
}

/**
 * A re-entrant mutex that works across processes (docs/notes.md#n29). Fair: waiters
 * are granted the lock in request order (ephemeral-sequential nodes under
 * `/locks/<owner>/<name>`), and each waiter watches only its predecessor, so a release
 * wakes one process, not all (no herd effect). Each `acquire` must be balanced
 * by a `release`.
 *
 * Safety: the lock is granted only while the lock node's `ephemeralOwner` is the
 * client's current session. Every grant carries a FENCING TOKEN, the node's
 * creation zxid (`czxid`), which grows with every grant of any lock in the
 * ensemble: a store that remembers the highest token it has seen can reject a
 * late write from a holder whose session expired meanwhile (docs/notes.md#n22).
 * Holders are told through `onLoss` when the connection is SUSPENDED (the lock
 * may be lost: stop writing) and when the session is LOST (the lock is gone).
 */
export class InterProcessMutex {
  private readonly options: InterProcessMutexOptions;
  private readonly parent: string;
  private ownPath: string | undefined;
  private holds = 0;
  private token: bigint | undefined;
  private readonly lossListeners = new Set<LockLossListener>();
  private offState: (() => void) | undefined;

  constructor(
    private readonly client: ZookeeperClient,
    readonly name: string,
    private readonly logger: JsonLogger,
    options: Partial<InterProcessMutexOptions> = {},
  ) {
    this.options = { retry: new ExponentialBackoffRetry(50, 5, 1000), ...options };
    this.parent = znodePaths.lock(name, client.owner);
  }

  /** True while this process holds the lock in a live session. */
  get isHeld(): boolean {
    return this.holds > 0 && this.ownPath !== undefined;
  }

  /** The fencing token of the current grant. */
  get fencingToken(): bigint {
    if (!this.isHeld || this.token === undefined) throw new Error(`lock ${this.name} is not held`);
    return this.token;
  }

  onLoss(listener: LockLossListener): () => void {
    this.lossListeners.add(listener);
    return () => this.lossListeners.delete(listener);
  }

  /**
   * Waits up to `timeoutMs` (forever when omitted) for the lock. Resolves with
   * the fencing token, or `undefined` on timeout (nothing is left behind).
   */
  async acquire(timeoutMs?: number): Promise<bigint | undefined> {
    if (this.isHeld) {
      this.holds++;
      return this.token;
    }
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    const path = await protectedCreate(this.client, this.parent, 'lock-', null, this.options.retry);
    const myName = path.slice(this.parent.length + 1);
    // The node's stat (owner session, czxid) never changes: read it once, pipelined with the first
    // getChildren so both answers come back in one round trip.
    let ownStat: ZkStat | null | undefined;
    try {
      for (;;) {
        const [names, stat] = await Promise.all([
          withRetry(this.client, this.options.retry, () => this.client.getChildren(this.parent)),
          ownStat === undefined ? withRetry(this.client, this.options.retry, () => this.client.exists(path)) : Promise.resolve(ownStat),
        ]);
        ownStat = stat;
        const children = bySequence(names);
        const index = children.indexOf(myName);
        if (index < 0) throw new Error(`lock node ${path} vanished (session lost while waiting)`);
        if (index === 0) {
          // Re-read if the session changed while waiting: the grant must be to a node of the current session.
          if (stat && stat.ephemeralOwner !== this.client.sessionId) ownStat = await this.client.exists(path);
          if (!ownStat || ownStat.ephemeralOwner !== this.client.sessionId)
            throw new Error(`lock node ${path} is not owned by the current session`);
          this.ownPath = path;
          this.holds = 1;
          this.token = BigInt(ownStat.czxid);
          this.offState = this.client.onStateChange((c) => this.onConnectionChange(c));
          return this.token;
        }
        const predecessor = `${this.parent}/${children[index - 1]}`;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          await this.deleteQuietly(path);
          return undefined;
        }
        await new Promise<void>((resolve) => {
          let settled = false;
          const done = (): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            off();
            resolve();
          };
          const timer = setTimeout(done, Number.isFinite(remaining) ? remaining : 2 ** 31 - 1);
          const off = this.client.onStateChange((c) => c.to === 'LOST' && done());
          this.client.exists(predecessor, done).then(
            (stat) => stat === null && done(),
            () => done(),
          );
        });
      }
    } catch (e) {
      await this.deleteQuietly(path);
      throw e;
    }
  }

  /** Balances one `acquire`; the last release deletes the lock node. */
  async release(): Promise<void> {
    if (this.holds === 0) throw new Error(`lock ${this.name} is not held by this process`);
    this.holds--;
    if (this.holds > 0) return;
    const path = this.ownPath;
    this.clearGrant();
    if (path) await this.deleteQuietly(path);
  }

  private clearGrant(): void {
    this.ownPath = undefined;
    this.holds = 0;
    this.token = undefined;
    this.offState?.();
    this.offState = undefined;
  }

  private onConnectionChange(c: ConnectionStateChange): void {
    if (c.to !== 'SUSPENDED' && c.to !== 'LOST') return;
    this.logger.warn(
      { component: 'mutex', lock: this.name, state: c.to },
      c.to === 'LOST' ? 'lock lost with the session' : 'lock may be lost (connection suspended)',
    );
    if (c.to === 'LOST') this.clearGrant();
    for (const l of this.lossListeners) l(c.to);
  }

  private async deleteQuietly(path: string): Promise<void> {
    try {
      await withRetry(this.client, this.options.retry, () => this.client.delete(path));
    } catch (e) {
      if (!isZkError(e, 'ZNONODE'))
        this.logger.warn(
          { component: 'mutex', path, err: (e as Error).message },
          'could not delete the lock node; it goes with the session',
        );
    }
  }
}
