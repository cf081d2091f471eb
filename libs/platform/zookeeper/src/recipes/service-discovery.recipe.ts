import { join } from 'node:path';
import { znodePaths } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from '../connection-state';
import { isZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { SERVICE_INSTANCE_CODEC, type ServiceInstance } from './service-instance.codec';
import { LocalSnapshot } from './local-snapshot';
import { WatchSet } from './watch-set';
import type { SelectionStrategy } from './strategies/selection-strategy';

export interface ServiceDiscoveryOptions {
  /** Services to follow. */
  services: string[];
  /** Folder for the last good instance lists; `undefined` disables the file layer. @default undefined */
  snapshotDir: string | undefined;
  /** Coalesce child-watch bursts into one refresh and one notification. @default 100 */
  debounceMs: number;
  /** Failures in a row after which an instance is skipped. @default 3 */
  failureThreshold: number;
  /** How long a failing instance is skipped. @default 10000 */
  ejectMs: number;
}

export const DEFAULT_SERVICE_DISCOVERY_OPTIONS: Omit<ServiceDiscoveryOptions, 'services'> = {
  snapshotDir: undefined,
  debounceMs: 100,
  failureThreshold: 3,
  ejectMs: 10_000,
};

export type DiscoveryListener = (service: string, instances: readonly ServiceInstance[]) => void;

type State = 'LATENT' | 'STARTED' | 'CLOSED';

/**
 * A watch-driven cache of the live instances of each followed service
 * (docs/notes.md, points 18-19, 24, 30). Child watches are one-shot in ZooKeeper; every
 * notification triggers a refresh that re-arms the watch. Bursts are debounced.
 *
 * Availability over freshness: the last good list is kept in memory and, with
 * `snapshotDir`, in a local file that is used when ZooKeeper is unreachable at
 * start. A refresh that fails, or that comes back empty while the connection is
 * SUSPENDED, leaves the cached list alone. Instances reported failing
 * `failureThreshold` times in a row are skipped for `ejectMs`.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice.
 */
export class ServiceDiscovery {
  private readonly options: ServiceDiscoveryOptions;
  private state: State = 'LATENT';
  private readonly cache = new Map<string, ServiceInstance[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<DiscoveryListener>();
  private readonly failures = new Map<string, { count: number; ejectedUntil: number }>();
  private readonly inFlight = new Map<string, number>();
  private offState: (() => void) | undefined;
  private readonly watches = new WatchSet();

  constructor(
    private readonly client: ZookeeperClient,
    private readonly logger: JsonLogger,
    options: Partial<ServiceDiscoveryOptions> & Pick<ServiceDiscoveryOptions, 'services'>,
  ) {
    this.options = { ...DEFAULT_SERVICE_DISCOVERY_OPTIONS, ...options };
  }

  /** Loads snapshots, then reads ZooKeeper; resolves even when ZooKeeper is down (the cache catches up later). */
  async start(): Promise<void> {
    if (this.state !== 'LATENT') throw new Error(`ServiceDiscovery.start() called when ${this.state}`);
    this.state = 'STARTED';
    for (const s of this.options.services) {
      const snap = this.readSnapshot(s);
      if (snap) this.cache.set(s, snap);
    }
    this.offState = this.client.onStateChange((c) => this.onConnectionChange(c));
    await Promise.all(this.options.services.map((s) => this.refresh(s)));
  }

  async close(): Promise<void> {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.offState?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.listeners.clear();
  }

  onChange(listener: DiscoveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every cached instance of a service, ejected ones included. */
  allInstances(service: string): readonly ServiceInstance[] {
    return this.cache.get(service) ?? [];
  }

  /** Instances not currently skipped for repeated failures. */
  instances(service: string): ServiceInstance[] {
    const now = Date.now();
    return (this.cache.get(service) ?? []).filter((i) => (this.failures.get(i.id)?.ejectedUntil ?? 0) <= now);
  }

  /** Picks an instance with `strategy` (skipping ids in `exclude`), or undefined when none is available. */
  select(service: string, strategy: SelectionStrategy, key?: string, exclude?: ReadonlySet<string>): ServiceInstance | undefined {
    const candidates = this.instances(service).filter((i) => !exclude?.has(i.id));
    if (candidates.length === 0) return undefined;
    return strategy.select(candidates, { key, outstanding: (id) => this.inFlight.get(id) ?? 0 });
  }

  /** Counts a request in flight (for least-outstanding); call the returned function when it ends. */
  track(instance: ServiceInstance): () => void {
    this.inFlight.set(instance.id, (this.inFlight.get(instance.id) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight.set(instance.id, Math.max(0, (this.inFlight.get(instance.id) ?? 1) - 1));
    };
  }

  reportFailure(instance: ServiceInstance): void {
    const f = this.failures.get(instance.id) ?? { count: 0, ejectedUntil: 0 };
    f.count++;
    if (f.count >= this.options.failureThreshold) {
      f.ejectedUntil = Date.now() + this.options.ejectMs;
      f.count = 0;
      this.logger.warn(
        { component: 'service-discovery', instance: instance.id, ejectMs: this.options.ejectMs },
        'instance ejected after repeated failures',
      );
    }
    this.failures.set(instance.id, f);
  }

  reportSuccess(instance: ServiceInstance): void {
    this.failures.delete(instance.id);
  }

  private onConnectionChange(c: ConnectionStateChange): void {
    if (c.to === 'LOST') this.watches.clear();
    if (c.to === 'RECONNECTED' || c.to === 'CONNECTED') {
      for (const s of this.options.services) void this.refresh(s);
    }
  }

  private scheduleRefresh(service: string): void {
    if (this.state !== 'STARTED' || this.timers.has(service)) return;
    this.timers.set(
      service,
      setTimeout(() => {
        this.timers.delete(service);
        void this.refresh(service);
      }, this.options.debounceMs),
    );
  }

  /** Reads the children (re-arming the one-shot watch) and their payloads. */
  private async refresh(service: string): Promise<void> {
    if (this.state !== 'STARTED') return;
    const parent = znodePaths.service(service);
    try {
      let names: string[];
      const again = (): void => this.scheduleRefresh(service);
      try {
        names = await this.client.getChildren(parent, this.watches.arm('children', parent, again));
      } catch (e) {
        this.watches.disarm('children', parent);
        if (!isZkError(e, 'ZNONODE')) throw e;
        // No instance ever registered: watch for the parent to appear.
        await this.client.exists(parent, this.watches.arm('exists', parent, again));
        names = [];
      }
      const found = await Promise.all(
        names.map(async (n) => {
          const path = `${parent}/${n}`;
          try {
            const { data, stat } = await this.client.getData(path);
            const instance = SERVICE_INSTANCE_CODEC.decode(path, data);
            // Defence in depth against a poisoned registry: a live instance is an ephemeral node
            // whose payload names the service and id of its path.
            const problem =
              stat.ephemeralOwner === '0'
                ? 'it is not ephemeral'
                : instance.name !== service || instance.id !== n
                  ? `its payload says ${instance.name}/${instance.id}`
                  : undefined;
            if (problem) {
              this.logger.warn({ component: 'service-discovery', path, problem }, `ignoring an instance node: ${problem}`);
              return undefined;
            }
            return instance;
          } catch (e) {
            if (!isZkError(e, 'ZNONODE'))
              this.logger.error({ component: 'service-discovery', path, err: (e as Error).message }, 'skipping an unreadable instance');
            return undefined;
          }
        }),
      );
      const list = found.filter((i): i is ServiceInstance => i !== undefined).sort((a, b) => a.id.localeCompare(b.id));
      if (list.length === 0 && this.client.state === 'SUSPENDED') return; // not trustworthy
      this.update(service, list);
    } catch (e) {
      this.logger.warn(
        { component: 'service-discovery', discovered: service, err: (e as Error).message, cached: this.cache.get(service)?.length ?? 0 },
        'refresh failed; serving the cached list',
      );
    }
  }

  private update(service: string, list: ServiceInstance[]): void {
    const before = JSON.stringify(this.cache.get(service) ?? null);
    if (before === JSON.stringify(list)) return;
    this.cache.set(service, list);
    this.writeSnapshot(service, list);
    this.logger.info(
      { component: 'service-discovery', discovered: service, instances: list.map((i) => `${i.id}@${i.address}:${i.port}`) },
      'instances changed',
    );
    for (const l of this.listeners) l(service, list);
  }

  private snapshotOf(service: string): LocalSnapshot<unknown[]> | undefined {
    return this.options.snapshotDir
      ? new LocalSnapshot(join(this.options.snapshotDir, `discovery-${service}.json`), this.logger, 'service-discovery')
      : undefined;
  }

  private readSnapshot(service: string): ServiceInstance[] | undefined {
    const snapshot = this.snapshotOf(service);
    const raw = snapshot?.read();
    if (!snapshot || !Array.isArray(raw)) return undefined;
    try {
      const list = raw.map((r, i) => SERVICE_INSTANCE_CODEC.decode(`${snapshot.file}[${i}]`, Buffer.from(JSON.stringify(r))));
      this.logger.info(
        { component: 'service-discovery', discovered: service, file: snapshot.file, instances: list.length },
        'loaded the last good list from the snapshot',
      );
      return list;
    } catch {
      return undefined;
    }
  }

  private writeSnapshot(service: string, list: ServiceInstance[]): void {
    this.snapshotOf(service)?.write(list.map((i) => ({ ...i, schemaVersion: SERVICE_INSTANCE_CODEC.currentVersion })));
  }
}
