import { znodePaths, type ServiceInstanceV1 } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from '../connection-state';
import { isConnected } from '../connection-state';
import { ExponentialBackoffRetry, type RetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';
import { isZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { SERVICE_INSTANCE_CODEC } from './service-instance.codec';
import { WatchSet } from './watch-set';

export interface ServiceRegistryOptions {
  /** How often the registry checks that its node still exists and is its own. @default 5000 */
  auditIntervalMs: number;
  /** Retry policy for each registration attempt. @default ExponentialBackoffRetry(100, 10, 2000) */
  retry: RetryPolicy;
}

export const DEFAULT_SERVICE_REGISTRY_OPTIONS: ServiceRegistryOptions = {
  auditIntervalMs: 5000,
  retry: new ExponentialBackoffRetry(100, 10, 2000),
};

type RegistryState = 'LATENT' | 'REGISTERED' | 'CLOSED';

/**
 * Keeps one service instance registered as an EPHEMERAL node at
 * `/services/<name>/<instance-id>` for as long as it runs (docs/notes.md, points 14, 30).
 *
 * - After the session is lost, it registers again in the new session, first
 *   deleting a stale node that an older session of this instance may have left.
 * - A watch on its own node and a periodic audit recreate the node if anyone
 *   deletes it or if it belongs to another session.
 * - `unregister()` deletes the node at once (graceful shutdown), so discovery
 *   sees the instance leave without waiting for the session to expire.
 *
 * Lifecycle: `register()` once (a second call throws); `unregister()` is safe to call twice.
 */
export class ServiceRegistry {
  private readonly options: ServiceRegistryOptions;
  private state: RegistryState = 'LATENT';
  private auditTimer: NodeJS.Timeout | undefined;
  private offState: (() => void) | undefined;
  private ensuring: Promise<void> | undefined;
  private ensureAgain: string | undefined;
  /** One watch at a time on our node: audits must not add a watcher each time. */
  private readonly watches = new WatchSet();
  private readonly path: string;

  constructor(
    private readonly client: ZookeeperClient,
    readonly instance: Omit<ServiceInstanceV1, 'registeredAt'>,
    private readonly logger: JsonLogger,
    options: Partial<ServiceRegistryOptions> = {},
  ) {
    this.options = { ...DEFAULT_SERVICE_REGISTRY_OPTIONS, ...options };
    this.path = znodePaths.serviceInstance(instance.name, instance.id);
  }

  get nodePath(): string {
    return this.path;
  }

  /** Registers the instance; resolves once its node exists. */
  async register(): Promise<void> {
    if (this.state !== 'LATENT') throw new Error(`ServiceRegistry.register() called when ${this.state}`);
    this.state = 'REGISTERED';
    this.offState = this.client.onStateChange((c) => this.onConnectionChange(c));
    this.auditTimer = setInterval(() => void this.ensure('audit'), this.options.auditIntervalMs);
    this.auditTimer.unref();
    await this.ensure('register');
  }

  /** Removes the node and stops watching; safe to call twice. */
  async unregister(): Promise<void> {
    if (this.state === 'CLOSED') return;
    const was = this.state;
    this.state = 'CLOSED';
    this.offState?.();
    if (this.auditTimer) clearInterval(this.auditTimer);
    if (was !== 'REGISTERED') return;
    await this.ensuring?.catch(() => undefined);
    try {
      const stat = await this.client.exists(this.path);
      if (stat && stat.ephemeralOwner === this.client.sessionId) await this.client.delete(this.path, stat.version);
      this.logger.info({ component: 'service-registry', path: this.path }, 'service instance unregistered');
    } catch (e) {
      // The session closes right after; the ephemeral node goes with it anyway.
      this.logger.warn(
        { component: 'service-registry', path: this.path, err: (e as Error).message },
        'unregister failed; the node goes with the session',
      );
    }
  }

  private onConnectionChange(c: ConnectionStateChange): void {
    if (c.to === 'LOST') this.watches.clear(); // watches die with the session
    if (c.to === 'RECONNECTED') void this.ensure(c.newSession ? 'new session' : 'reconnected');
  }

  /** `exists`, arming the watch on our node if none is armed. */
  private async statAndWatch(): Promise<Awaited<ReturnType<ZookeeperClient['exists']>>> {
    const watcher = this.watches.arm('exists', this.path, () => void this.ensure('node changed'));
    return this.client.exists(this.path, watcher).catch((e: unknown) => {
      this.watches.disarm('exists', this.path);
      throw e;
    });
  }

  /**
   * Makes sure our node exists and is owned by the current session. Serialised:
   * a request that arrives while a run is in flight (e.g. the watch firing on our
   * own create) makes that run go once more, so no event is swallowed.
   */
  private ensure(reason: string): Promise<void> {
    if (this.state !== 'REGISTERED' || !isConnected(this.client.state)) return Promise.resolve();
    if (this.ensuring) {
      this.ensureAgain = reason;
      return this.ensuring;
    }
    this.ensuring = (async () => {
      let why: string | undefined = reason;
      while (why !== undefined && this.state === 'REGISTERED') {
        this.ensureAgain = undefined;
        const current = why;
        await withRetry(this.client, this.options.retry, () => this.ensureOnce(current)).catch((e: unknown) =>
          this.logger.error(
            { component: 'service-registry', path: this.path, reason: current, err: (e as Error).message },
            'registration failed',
          ),
        );
        why = this.ensureAgain;
      }
    })().finally(() => {
      this.ensuring = undefined;
    });
    return this.ensuring;
  }

  private async ensureOnce(reason: string): Promise<void> {
    const session = this.client.sessionId;
    const stat = await this.statAndWatch();
    if (stat && stat.ephemeralOwner === session) return; // ours, and now watched
    if (stat) {
      // Left by an older session of this instance (or someone else): replace it.
      await this.client.delete(this.path, stat.version).catch((e: unknown) => {
        if (!isZkError(e, 'ZNONODE')) throw e;
      });
      this.logger.warn({ component: 'service-registry', path: this.path, staleOwner: stat.ephemeralOwner }, 'deleted a stale registration');
    }
    await this.client.mkdirp(znodePaths.service(this.instance.name));
    const payload = SERVICE_INSTANCE_CODEC.encode({ ...this.instance, registeredAt: new Date().toISOString() });
    try {
      await this.client.create(this.path, payload, 'EPHEMERAL');
    } catch (e) {
      if (!isZkError(e, 'ZNODEEXISTS')) throw e;
    }
    this.logger.info(
      { component: 'service-registry', path: this.path, reason, address: `${this.instance.address}:${this.instance.port}` },
      'service instance registered',
    );
  }
}
