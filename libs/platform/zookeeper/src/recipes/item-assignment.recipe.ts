import { znodePaths } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from '../connection-state';
import { isZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { WatchSet } from './watch-set';

export type AssignmentListener = (items: readonly string[]) => void;

/**
 * Splits a job's work items across the live instances: each instance is an
 * ephemeral member under `/jobs/<owner>/<job>/members`; with the members sorted, item
 * i belongs to member `i mod n`. Every member computes the same answer from the
 * same (watched) member list, so when an instance joins or dies, its items move
 * without a coordinator.
 *
 * What it does NOT promise: during a membership change two members may both
 * believe they own an item for a moment (each sees the change at its own
 * time). Callers that must never run an item twice take a per-item
 * `InterProcessMutex` and check its fencing token where they write.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice.
 * After a session LOST it rejoins with the new session.
 */
export class ItemAssignment {
  private members: string[] = [];
  private mine: string[] = [];
  private readonly listeners = new Set<AssignmentListener>();
  private readonly watches = new WatchSet();
  private offState: (() => void) | undefined;
  private state: 'LATENT' | 'STARTED' | 'CLOSED' = 'LATENT';
  private readonly parent: string;

  constructor(
    private readonly client: ZookeeperClient,
    readonly job: string,
    readonly memberId: string,
    private readonly items: readonly string[],
    private readonly logger: JsonLogger,
  ) {
    this.parent = znodePaths.jobMembers(job, client.owner);
  }

  /** The items this member owns now. */
  myItems(): readonly string[] {
    return this.mine;
  }

  onChange(listener: AssignmentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.state !== 'LATENT') throw new Error(`ItemAssignment.start() called when ${this.state}`);
    this.state = 'STARTED';
    this.offState = this.client.onStateChange((c) => this.onConnectionChange(c));
    await this.join();
  }

  private async join(): Promise<void> {
    await this.client.mkdirp(this.parent);
    try {
      await this.client.create(`${this.parent}/${this.memberId}`, null, 'EPHEMERAL');
    } catch (e) {
      if (!isZkError(e, 'ZNODEEXISTS')) throw e;
      // A node left by an earlier session of this member: replace it with one of this session.
      await this.client.delete(`${this.parent}/${this.memberId}`).catch(() => undefined);
      await this.client.create(`${this.parent}/${this.memberId}`, null, 'EPHEMERAL');
    }
    await this.refresh();
  }

  private onConnectionChange(c: ConnectionStateChange): void {
    if (this.state !== 'STARTED') return;
    if (c.to === 'SUSPENDED' || c.to === 'LOST') this.assign([]); // unsure: own nothing until re-checked
    if (c.to === 'LOST') this.watches.clear();
    if (c.to === 'RECONNECTED' || (c.to === 'CONNECTED' && c.from !== 'LATENT')) {
      void this.join().catch((e: unknown) =>
        this.logger.warn({ component: 'item-assignment', job: this.job, err: (e as Error).message }, 'rejoin failed'),
      );
    }
  }

  private async refresh(): Promise<void> {
    if (this.state !== 'STARTED') return;
    try {
      const names = await this.client.getChildren(
        this.parent,
        this.watches.arm('children', this.parent, () => void this.refresh()),
      );
      this.members = [...names].sort();
      const i = this.members.indexOf(this.memberId);
      this.assign(i < 0 ? [] : this.items.filter((_, k) => k % this.members.length === i));
    } catch (e) {
      this.watches.disarm('children', this.parent);
      this.logger.warn(
        { component: 'item-assignment', job: this.job, err: (e as Error).message },
        'members not read; owning nothing until they are',
      );
      this.assign([]);
    }
  }

  private assign(next: string[]): void {
    if (JSON.stringify(next) === JSON.stringify(this.mine)) return;
    this.logger.info({ component: 'item-assignment', job: this.job, members: this.members, items: next }, 'work items assigned');
    this.mine = next;
    for (const l of this.listeners) l(next);
  }

  async close(): Promise<void> {
    if (this.state === 'CLOSED') return;
    const was = this.state;
    this.state = 'CLOSED';
    this.offState?.();
    this.assign([]);
    if (was === 'STARTED') await this.client.delete(`${this.parent}/${this.memberId}`).catch(() => undefined);
  }
}
