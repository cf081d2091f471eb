import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import type { JsonLogger, MetricsRegistry } from '@dsp/service-defaults';
import { GtidPosition } from './gtid-position';
import { ReplicaMonitor, type ReplicaMonitorOptions, type ReplicaStatus } from './replica/replica-monitor';
import { createReplicaStrategy } from './replica/replica-strategy-registry';
import type { ReplicaStrategy } from './replica/replica-strategy';
import { isConnectionError, type SqlNode } from './sql-node';

export interface ReadWriteDataSourceOptions extends ReplicaMonitorOptions {
  /** Name used in logs and metrics, e.g. `user_db`. */
  name: string;
  /** How a read picks among usable replicas: `round-robin`, `random` or `weighted`. @default 'round-robin' */
  strategy: string;
  /** Relative read weight per replica label for `weighted`. @default {} (1 each) */
  weights: Record<string, number>;
}

/**
 * A caller's read-your-writes positions: the GTID position of its last write
 * per data source (kept in its session, see `ReadPositions` in the session
 * lib), as the text `GtidPosition.toString()` gives.
 */
export interface ReadAfter {
  of(source: string): string | undefined;
}

/** How one read must be served. */
export interface ReadOptions {
  /** Only a replica that has applied this GTID position may serve the read (read-your-writes); else the primary. */
  minPosition?: GtidPosition;
  /** The same, with the position this caller recorded for this data source (a controller never handles a GTID). */
  after?: ReadAfter;
  /** Serve from the primary (a hint for reads that must be current, e.g. credential checks). */
  primary?: boolean;
}

/** Which server answered a read, and why. */
export interface ReadRoute {
  node: string;
  role: 'primary' | 'replica';
  /** `hint`, `replica`, `no-usable-replica`, `replica-behind-token`, `replica-failed`. */
  reason: string;
}

const PRIMARY_HINT = new AsyncLocalStorage<true>();

/**
 * Client-side read/write splitting over one primary and its replicas
 * (docs/notes.md#n3, the "sharding-jdbc" style rather than a proxy).
 *
 * Guarantees:
 * - `write()` runs on the primary in one transaction and returns the GTID of
 *   its commit.
 * - `read()` goes to a usable replica (reachable and within `maxLagMs`, as the
 *   {@link ReplicaMonitor} last probed) chosen by the strategy; with none, to
 *   the primary. Reads never fail because a replica is down: a connection
 *   error on a replica excludes it and the read is retried on the primary.
 * - Read-your-writes: a read given `minPosition` (the GTID a caller's write
 *   returned) is served only by a replica whose applied position covers it,
 *   else by the primary, so it never returns data older than that write.
 *   Positions only grow, so a probe's answer stays true; the guarantee needs
 *   no waiting and no extra round trip.
 * - `withPrimary(fn)` (or `{primary: true}`) sends every read inside `fn` to the primary.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice.
 */
export class ReadWriteDataSource {
  readonly monitor: ReplicaMonitor;
  private readonly strategy: ReplicaStrategy;
  private readonly byLabel: Map<string, SqlNode>;
  private lifecycle: 'LATENT' | 'STARTED' | 'CLOSED' = 'LATENT';

  constructor(
    readonly primary: SqlNode,
    readonly replicas: readonly SqlNode[],
    private readonly logger: JsonLogger,
    private readonly options: Partial<ReadWriteDataSourceOptions> & Pick<ReadWriteDataSourceOptions, 'name'>,
    private readonly metrics?: MetricsRegistry,
  ) {
    this.strategy = createReplicaStrategy(options.strategy ?? 'round-robin');
    this.byLabel = new Map(replicas.map((r) => [r.label, r]));
    this.monitor = new ReplicaMonitor(primary, replicas, logger, options);
    if (metrics) this.publishMetrics(metrics);
  }

  /**
   * `db_replica_lag_seconds` and `db_replica_usable` per replica (from the monitor's last probe;
   * +Inf lag until a probe reaches it) and `db_pool_connections{node,state}` per node, read at scrape.
   */
  private publishMetrics(metrics: MetricsRegistry): void {
    const source = this.options.name;
    metrics.collected(
      'db_replica_lag_seconds',
      'Age of the oldest primary transaction a replica has not applied (+Inf: not reached).',
      ['source', 'replica'],
      (g) => {
        for (const s of this.monitor.status()) g.set({ source, replica: s.label }, s.lagMs / 1000);
      },
    );
    metrics.collected(
      'db_replica_usable',
      'Whether a replica gets reads (1) or is excluded, down or lagging (0).',
      ['source', 'replica'],
      (g) => {
        for (const s of this.monitor.status()) g.set({ source, replica: s.label }, s.usable ? 1 : 0);
      },
    );
    metrics.collected(
      'db_pool_connections',
      'Pool connections per node: open, idle, and queries waiting for one.',
      ['source', 'node', 'state'],
      (g) => {
        for (const node of [this.primary, ...this.replicas]) {
          const stats = node.poolStats();
          if (stats === undefined) continue;
          for (const [state, n] of Object.entries(stats)) g.set({ source, node: node.label, state }, n);
        }
      },
    );
  }

  get name(): string {
    return this.options.name;
  }

  /** Opens the primary and replica pools (a down server keeps retrying) and starts probing. */
  async start(): Promise<void> {
    if (this.lifecycle !== 'LATENT') throw new Error(`ReadWriteDataSource(${this.name}).start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
    await Promise.all([this.primary.start(), ...this.replicas.map((r) => r.start())]);
    await this.monitor.start();
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'CLOSED') return;
    this.lifecycle = 'CLOSED';
    await this.monitor.close();
    await Promise.all([this.primary.close(), ...this.replicas.map((r) => r.close())]);
  }

  /** Runs `work` in one transaction on the primary; returns its result and the commit's GTID. */
  write<T>(work: (em: EntityManager) => Promise<T>): Promise<{ result: T; gtid: GtidPosition }> {
    return this.primary.transaction(work);
  }

  /** Runs every read inside `fn` on the primary. */
  static withPrimary<T>(fn: () => Promise<T>): Promise<T> {
    return PRIMARY_HINT.run(true, fn);
  }

  /** Where a read with these options would go now (without running it). */
  route(opts: ReadOptions = {}): ReadRoute {
    if (opts.primary || PRIMARY_HINT.getStore()) return { node: this.primary.label, role: 'primary', reason: 'hint' };
    const usable = this.monitor.usable().map((s) => ({ ...s, weight: this.options.weights?.[s.label] ?? 1 }));
    if (usable.length === 0) return { node: this.primary.label, role: 'primary', reason: 'no-usable-replica' };
    const min = opts.minPosition ?? (opts.after ? GtidPosition.parse(opts.after.of(this.name)) : undefined);
    const fresh = min && !min.isEmpty() ? usable.filter((s) => s.position.covers(min)) : usable;
    if (fresh.length === 0) return { node: this.primary.label, role: 'primary', reason: 'replica-behind-token' };
    return { node: this.strategy.select(fresh).label, role: 'replica', reason: 'replica' };
  }

  /** Runs one read where {@link route} says; falls back to the primary if the replica's connection fails. */
  async read<T>(work: (em: EntityManager, route: ReadRoute) => Promise<T>, opts: ReadOptions = {}): Promise<T> {
    const route = this.route(opts);
    const node = route.role === 'replica' ? this.byLabel.get(route.node) : undefined;
    if (node) {
      try {
        const result = await work(node.manager, route);
        this.count(route);
        return result;
      } catch (e) {
        if (!isConnectionError(e)) throw e;
        this.monitor.markDown(node.label, (e as Error).message);
        const fallback: ReadRoute = { node: this.primary.label, role: 'primary', reason: 'replica-failed' };
        try {
          const result = await work(this.primary.manager, fallback);
          this.count(fallback);
          return result;
        } catch (e2) {
          throw this.primary.unavailableIfConnection(e2);
        }
      }
    }
    try {
      const result = await work(this.primary.manager, route);
      this.count(route);
      return result;
    } catch (e) {
      throw this.primary.unavailableIfConnection(e);
    }
  }

  /** The replicas' last probe results. */
  replicaStatus(): ReplicaStatus[] {
    return this.monitor.status();
  }

  private count(route: ReadRoute): void {
    this.metrics
      ?.counter('db_reads_total', 'Reads by data source, serving node and routing reason.', ['source', 'node', 'reason'])
      .inc({ source: this.name, node: route.node, reason: route.reason });
  }

  healthChecks(): { name: string; check: () => Promise<void> }[] {
    return [this.primary.healthCheck()];
  }
}
