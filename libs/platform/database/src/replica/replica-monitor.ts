import type { JsonLogger } from '@dsp/service-defaults';
import { GtidPosition } from '../gtid-position';
import type { SqlNode } from '../sql-node';

export interface ReplicaMonitorOptions {
  /** How often primary and replicas are probed, in ms. @default 500 */
  probeIntervalMs: number;
  /** A replica further behind than this gets no reads until it catches up, in ms. @default 2000 */
  maxLagMs: number;
  /** How long primary positions are remembered to date a replica's lag, in ms. @default 60000 */
  historyMs: number;
}

export const DEFAULT_REPLICA_MONITOR_OPTIONS: ReplicaMonitorOptions = {
  probeIntervalMs: 500,
  maxLagMs: 2000,
  historyMs: 60_000,
};

/** What the last probe learned about one replica. */
export interface ReplicaStatus {
  label: string;
  /** Reachable, and at most `maxLagMs` behind. Only usable replicas get reads. */
  usable: boolean;
  /** Why it is not usable (`down: ...`, `lagging 3200 ms`, `not probed yet`). */
  reason?: string;
  /** GTID position the replica has applied (`@@gtid_slave_pos`). */
  position: GtidPosition;
  /** Estimated age of the oldest primary transaction the replica has not applied, in ms (0 when caught up). */
  lagMs: number;
  /** Transactions behind the primary at the last probe. */
  behind: bigint;
  serverId?: number;
  probedAt: number;
}

/**
 * Probes a primary and its replicas at an interval and says which replicas may
 * serve reads. Lag is measured with GTIDs, not `Seconds_Behind_Master` (which
 * is NULL with a stopped SQL thread and 0 on an idle link): the primary's
 * `@@gtid_binlog_pos` is sampled with a timestamp each probe, and a replica's
 * lag is the age of the oldest sample its `@@gtid_slave_pos` does not cover.
 * A replica that fails its probe or lags more than `maxLagMs` is unusable until
 * a later probe finds it healthy; every change is logged `usable -> excluded`.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice.
 */
export class ReplicaMonitor {
  private readonly options: ReplicaMonitorOptions;
  private readonly statuses = new Map<string, ReplicaStatus>();
  private history: { at: number; pos: GtidPosition }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lifecycle: 'LATENT' | 'STARTED' | 'CLOSED' = 'LATENT';
  private probing: Promise<void> | undefined;

  constructor(
    private readonly primary: SqlNode,
    private readonly replicas: readonly SqlNode[],
    private readonly logger: JsonLogger,
    options: Partial<ReplicaMonitorOptions> = {},
  ) {
    this.options = { ...DEFAULT_REPLICA_MONITOR_OPTIONS, ...options };
    if (this.options.probeIntervalMs < 10) throw new Error('ReplicaMonitor: probeIntervalMs must be >= 10');
    for (const r of replicas) {
      this.statuses.set(r.label, {
        label: r.label,
        usable: false,
        reason: 'not probed yet',
        position: GtidPosition.EMPTY,
        lagMs: Number.POSITIVE_INFINITY,
        behind: 0n,
        probedAt: 0,
      });
    }
  }

  get maxLagMs(): number {
    return this.options.maxLagMs;
  }

  /** Probes once, then keeps probing every `probeIntervalMs`. */
  async start(): Promise<void> {
    if (this.lifecycle !== 'LATENT') throw new Error(`ReplicaMonitor.start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
    await this.probe();
    const loop = (): void => {
      if (this.lifecycle !== 'STARTED') return;
      this.timer = setTimeout(() => void this.probe().finally(loop), this.options.probeIntervalMs);
      this.timer.unref();
    };
    loop();
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'CLOSED') return;
    this.lifecycle = 'CLOSED';
    clearTimeout(this.timer);
    await this.probing;
  }

  /** Every replica's last status. */
  status(): ReplicaStatus[] {
    return [...this.statuses.values()];
  }

  /** Replicas that may serve a read needing `minPosition` (all usable ones when absent). */
  usable(minPosition?: GtidPosition): ReplicaStatus[] {
    return this.status().filter((s) => s.usable && (minPosition === undefined || s.position.covers(minPosition)));
  }

  /** A read on this replica failed with a connection error: exclude it until the next good probe. */
  markDown(label: string, reason: string): void {
    const s = this.statuses.get(label);
    if (s) this.update({ ...s, usable: false, reason: `down: ${reason}` });
  }

  /** One probe of the primary and every replica (concurrent calls share one probe). */
  probe(): Promise<void> {
    this.probing ??= this.doProbe().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private async doProbe(): Promise<void> {
    const now = Date.now();
    try {
      const rows = await this.primary.query<{ pos: string }>('SELECT @@gtid_binlog_pos AS pos');
      this.history.push({ at: now, pos: GtidPosition.parse(rows[0]?.pos) });
      const cutoff = now - this.options.historyMs;
      while (this.history.length > 1 && (this.history[0]?.at ?? now) < cutoff) this.history.shift();
    } catch {
      // Primary down: lag cannot be dated against new positions; keep judging replicas on the history we have.
    }
    await Promise.all(this.replicas.map((r) => this.probeReplica(r, now)));
  }

  private async probeReplica(node: SqlNode, now: number): Promise<void> {
    const prev = this.statuses.get(node.label);
    if (!prev) return;
    try {
      const rows = await node.query<{ pos: string; sid: string | number }>('SELECT @@gtid_slave_pos AS pos, @@server_id AS sid');
      const position = GtidPosition.parse(rows[0]?.pos);
      const latest = this.history[this.history.length - 1]?.pos ?? GtidPosition.EMPTY;
      const firstMissing = this.history.find((h) => !position.covers(h.pos));
      const lagMs = firstMissing === undefined ? 0 : Math.max(0, now - firstMissing.at);
      const usable = lagMs <= this.options.maxLagMs;
      this.update({
        label: node.label,
        usable,
        reason: usable ? undefined : `lagging ${lagMs} ms (max ${this.options.maxLagMs} ms)`,
        position,
        lagMs,
        behind: position.behind(latest),
        serverId: Number(rows[0]?.sid),
        probedAt: now,
      });
    } catch (e) {
      this.update({ ...prev, usable: false, reason: `down: ${(e as Error).message}`, probedAt: now });
    }
  }

  private update(next: ReplicaStatus): void {
    const prev = this.statuses.get(next.label);
    this.statuses.set(next.label, next);
    if (prev && prev.usable !== next.usable) {
      const from = prev.usable ? 'usable' : 'excluded';
      const to = next.usable ? 'usable' : 'excluded';
      const log = next.usable ? this.logger.info.bind(this.logger) : this.logger.warn.bind(this.logger);
      log(
        { component: 'replica-monitor', replica: next.label, from, to, reason: next.reason ?? prev.reason, lagMs: next.lagMs },
        `replica ${next.label} ${from} -> ${to}`,
      );
    }
  }
}
