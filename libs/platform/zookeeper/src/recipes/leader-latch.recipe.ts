import { znodePaths } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from '../connection-state';
import { ExponentialBackoffRetry, type RetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';
import { isZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { bySequence, protectedCreate } from './protected-create';
import { WatchSet } from './watch-set';

export type LeadershipListener = (isLeader: boolean) => void;

type LatchState = 'LATENT' | 'STARTED' | 'CLOSED';

/**
 * Leader election among the participants of `/election/<owner>/<name>`
 * (docs/notes.md, points 6, 33): each participant holds an ephemeral-sequential node and the lowest one
 * leads. At any point of ZooKeeper's history (any zxid) at most one live
 * session holds the lowest node. Leadership is granted only while the node's
 * `ephemeralOwner` is the current session, dropped as soon as the client hears
 * the connection is SUSPENDED (the session may be lost) or LOST, and
 * re-checked on RECONNECTED (with a new node after a new session). Hearing
 * takes time: a leader whose session the ensemble ends may still believe it
 * leads for a moment after the next one is elected (as with Curator), so work
 * done as leader should carry `fencingToken()` (the node's czxid, larger for
 * every later leader) to a store that rejects older tokens. Each participant
 * watches only its predecessor.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice
 * and hands leadership to the next participant at once.
 */
export class LeaderLatch {
  private state: LatchState = 'LATENT';
  private ownPath: string | undefined;
  private leader = false;
  private token: bigint | undefined;
  private readonly listeners = new Set<LeadershipListener>();
  private offState: (() => void) | undefined;
  private checking: Promise<void> | undefined;
  private joining: Promise<void> | undefined;
  private recheck = false;
  private readonly parent: string;
  private readonly retry: RetryPolicy;
  private readonly watches = new WatchSet();

  constructor(
    private readonly client: ZookeeperClient,
    readonly name: string,
    readonly participantId: string,
    private readonly logger: JsonLogger,
    options: { retry?: RetryPolicy } = {},
  ) {
    this.parent = znodePaths.election(name, client.owner);
    this.retry = options.retry ?? new ExponentialBackoffRetry(50, 5, 1000);
  }

  hasLeadership(): boolean {
    return this.leader;
  }

  /** While leader: the czxid of the leading node, larger for every later leadership; undefined otherwise. */
  fencingToken(): bigint | undefined {
    return this.leader ? this.token : undefined;
  }

  onLeadershipChange(listener: LeadershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Joins the election; resolves once this participant's node exists. */
  async start(): Promise<void> {
    if (this.state !== 'LATENT') throw new Error(`LeaderLatch.start() called when ${this.state}`);
    this.state = 'STARTED';
    this.offState = this.client.onStateChange((c) => this.onConnectionChange(c));
    await this.join();
  }

  /** Resolves true once leader, false after `timeoutMs`. */
  awaitLeadership(timeoutMs: number): Promise<boolean> {
    if (this.leader) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.onLeadershipChange((l) => {
        if (!l) return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.offState?.();
    this.setLeader(false, 'closed');
    const path = this.ownPath;
    this.ownPath = undefined;
    if (path) {
      await withRetry(this.client, this.retry, () => this.client.delete(path)).catch((e: unknown) => {
        if (!isZkError(e, 'ZNONODE'))
          this.logger.warn({ component: 'leader-latch', path, err: (e as Error).message }, 'could not delete the latch node');
      });
    }
    this.listeners.clear();
  }

  /**
   * Takes a (new) place in line. Single-flight: after a session loss both the
   * RECONNECTED handler and a running check notice the missing node, and two
   * joins would leave an orphan node of ours that blocks us forever.
   */
  private join(): Promise<void> {
    this.joining ??= (async () => {
      const stale = this.ownPath;
      this.ownPath = undefined;
      if (stale) await this.client.delete(stale).catch(() => undefined);
      this.ownPath = await protectedCreate(this.client, this.parent, 'latch-', this.participantId, this.retry);
    })().finally(() => {
      this.joining = undefined;
    });
    return this.joining.then(() => this.check());
  }

  private onConnectionChange(c: ConnectionStateChange): void {
    if (this.state !== 'STARTED') return;
    if (c.to === 'SUSPENDED') this.setLeader(false, 'connection suspended');
    if (c.to === 'LOST') {
      this.watches.clear();
      this.setLeader(false, 'session lost');
      this.ownPath = undefined; // the ephemeral node died with the session
    }
    if (c.to === 'RECONNECTED') {
      const rejoin = this.ownPath === undefined || c.newSession ? this.join() : this.check();
      rejoin.catch((e: unknown) =>
        this.logger.error({ component: 'leader-latch', latch: this.name, err: (e as Error).message }, 'could not rejoin the election'),
      );
    }
  }

  /** Serialised: a check triggered while one runs runs again afterwards. */
  private check(): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.recheck = false;
        await this.checkOnce();
      } while (this.recheck && this.state === 'STARTED');
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    const path = this.ownPath;
    if (this.state !== 'STARTED' || !path) return;
    const myName = path.slice(this.parent.length + 1);
    const children = bySequence(await withRetry(this.client, this.retry, () => this.client.getChildren(this.parent)));
    const index = children.indexOf(myName);
    if (index < 0) {
      // Our node is gone (deleted by hand, or the session changed): take a new place in line.
      this.setLeader(false, 'latch node gone');
      if (this.ownPath === path) this.ownPath = undefined;
      void this.join().catch((e: unknown) =>
        this.logger.error({ component: 'leader-latch', latch: this.name, err: (e as Error).message }, 'could not rejoin the election'),
      );
      return;
    }
    if (index === 0) {
      const stat = await this.client.exists(path);
      const ours = stat !== null && stat.ephemeralOwner === this.client.sessionId;
      if (ours) this.token = BigInt(stat.czxid);
      this.setLeader(ours, 'lowest node');
      return;
    }
    this.setLeader(false, 'not the lowest node');
    const predecessor = `${this.parent}/${children[index - 1]}`;
    const stat = await this.client.exists(
      predecessor,
      this.watches.arm('exists', predecessor, () => void this.check()),
    );
    if (stat === null) await this.checkOnce();
  }

  private setLeader(leader: boolean, reason: string): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.logger.info(
      { component: 'leader-latch', latch: this.name, participant: this.participantId, leader, reason },
      leader ? 'leadership gained' : 'leadership lost',
    );
    for (const l of this.listeners) l(leader);
  }
}
