import type { z } from 'zod';
import { znodePaths } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from '../connection-state';
import { isConnected } from '../connection-state';
import { RetryUntilElapsed, type RetryPolicy } from '../retry/retry-policy';
import { isZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { CONFIG_ENTRY_CODEC, GRAY } from './config-entry';
import { ConfigWriter } from './config-writer';
import { LocalSnapshot } from './local-snapshot';
import { WatchSet } from './watch-set';

export interface ConfigCenterOptions<S extends z.ZodObject> {
  app: string;
  profile: string;
  /** Keys and their types, with defaults: the typed view. */
  schema: S;
  /** Local snapshot file (the second HA layer); `undefined` disables it. @default undefined */
  snapshotFile: string | undefined;
  /** This instance's tags, matched against gray releases. @default [] */
  instanceTags: string[];
  /** Digest credentials of writers; the client must have them as `auth` to write. Needed only by writers. */
  writer: { user: string; password: string } | undefined;
  /** Retries of reads and writes after connection loss. @default RetryUntilElapsed(3000, 250) */
  retry: RetryPolicy;
}

export type ConfigChangeListener<T> = (view: T, changedKeys: string[]) => void;

/**
 * A configuration center on ZooKeeper (docs/notes.md#n28) with three layers of
 * availability: the in-memory view, a local snapshot file, and ZooKeeper.
 * This class is the read half; writes go through its {@link writer}
 * ({@link ConfigWriter}: validation, history, rollback, gray release, ACLs).
 *
 * - Reads are anonymous; the `/config` subtree is `world:r` plus `digest:<writer>:cdrwa`,
 *   so a write without the writer's credentials fails with NoAuth (docs/notes.md, points 20-21, 25-26).
 * - The view is typed and validated by a zod schema; a value that does not
 *   validate is refused at write time and ignored (last good kept) at read time.
 * - Values update live: data and child watches are one-shot, so every event
 *   re-reads the key and re-arms them (docs/notes.md, points 18-19, 24).
 * - A service starts from the snapshot file when ZooKeeper is unreachable, and
 *   catches up when it connects.
 * - Every write also appends a persistent-sequential history entry under the
 *   key, so any earlier value can be rolled back to.
 * - Gray release: a value can be published to instances carrying given tags
 *   first (`/config/.../<key>/gray`), then promoted to everyone.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice.
 */
export class ConfigCenter<S extends z.ZodObject> {
  private readonly options: ConfigCenterOptions<S>;
  private readonly base: string;
  private state: 'LATENT' | 'STARTED' | 'CLOSED' = 'LATENT';
  /** Raw effective values per key (after gray selection), as last read. */
  private readonly values = new Map<string, unknown>();
  /** Per key: the data version of its node this instance last read and applied, and when. */
  private readonly appliedVersions = new Map<string, { version: number; appliedAtMs: number }>();
  private current: z.infer<S>;
  private readonly listeners = new Set<ConfigChangeListener<z.infer<S>>>();
  private offState: (() => void) | undefined;
  private readonly watches = new WatchSet();
  private readonly snapshot: LocalSnapshot<{ base: string; writtenAt: string; values: Record<string, unknown> }> | undefined;
  /** Writes to this app's config (validated by the same schema). */
  readonly writer: ConfigWriter<S>;

  constructor(
    private readonly client: ZookeeperClient,
    private readonly logger: JsonLogger,
    options: Partial<ConfigCenterOptions<S>> & Pick<ConfigCenterOptions<S>, 'app' | 'profile' | 'schema'>,
  ) {
    this.options = {
      snapshotFile: undefined,
      instanceTags: [],
      writer: undefined,
      retry: new RetryUntilElapsed(3000, 250),
      ...options,
    };
    this.base = znodePaths.configProfile(options.app, options.profile);
    this.current = this.options.schema.parse({});
    this.snapshot = this.options.snapshotFile ? new LocalSnapshot(this.options.snapshotFile, logger, 'config-center') : undefined;
    this.writer = new ConfigWriter(client, {
      app: options.app,
      profile: options.profile,
      schema: options.schema,
      writer: this.options.writer,
      retry: this.options.retry,
    });
  }

  /** The validated, typed view (defaults where a key has no valid value). */
  get view(): z.infer<S> {
    return this.current;
  }

  /** What an operator sees: where the values live, every key, and the current (validated) values. */
  describe(): { app: string; profile: string; path: string; keys: string[]; values: z.infer<S> } {
    return {
      app: this.options.app,
      profile: this.options.profile,
      path: this.base,
      keys: Object.keys(this.options.schema.shape),
      values: this.current,
    };
  }

  /**
   * Per key, the data version of its znode this instance has read and applied
   * (its view includes that write) and when, in epoch ms: what
   * `config_key_version` publishes, so an operator sees every instance take a
   * change. A key never written is absent.
   */
  applied(): ReadonlyMap<string, { version: number; appliedAtMs: number }> {
    return this.appliedVersions;
  }

  onChange(listener: ConfigChangeListener<z.infer<S>>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the snapshot, then ZooKeeper if reachable within `connectTimeoutMs`; never fails because ZooKeeper is down. */
  async start(connectTimeoutMs = 3000): Promise<void> {
    if (this.state !== 'LATENT') throw new Error(`ConfigCenter.start() called when ${this.state}`);
    this.state = 'STARTED';
    this.loadSnapshot();
    this.offState = this.client.onStateChange((c) => this.onConnectionChange(c));
    try {
      await this.client.waitConnected(connectTimeoutMs);
      await this.reloadAll();
    } catch (e) {
      this.logger.warn(
        { component: 'config-center', base: this.base, err: (e as Error).message },
        'ZooKeeper unreachable at start; serving the snapshot until it returns',
      );
    }
  }

  async close(): Promise<void> {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.offState?.();
    this.listeners.clear();
  }

  // --- reading ---------------------------------------------------------------

  private onConnectionChange(c: ConnectionStateChange): void {
    if (c.to === 'LOST') this.watches.clear();
    if (this.state === 'STARTED' && isConnected(c.to)) {
      this.reloadAll().catch((e: unknown) =>
        this.logger.warn({ component: 'config-center', err: (e as Error).message }, 'reload after reconnect failed'),
      );
    }
  }

  private async reloadAll(): Promise<void> {
    const again = (): void => void this.reloadAll().catch(() => undefined);
    let keys: string[];
    try {
      keys = await this.client.getChildren(this.base, this.watches.arm('children', this.base, again));
    } catch (e) {
      this.watches.disarm('children', this.base);
      if (!isZkError(e, 'ZNONODE')) throw e;
      await this.client.exists(this.base, this.watches.arm('exists', this.base, again));
      keys = [];
    }
    const known = new Set(Object.keys(this.options.schema.shape));
    const changed = (await Promise.all(keys.filter((k) => known.has(k)).map((k) => this.reloadKey(k)))).flat();
    this.recompute(changed);
  }

  /** Reads a key's value and gray release, re-arming its watches; returns the key if its effective value changed. */
  private async reloadKey(key: string): Promise<string[]> {
    const path = znodePaths.configKey(this.options.app, this.options.profile, key);
    const grayPath = `${path}/${GRAY}`;
    const again = (): void => {
      if (this.state === 'STARTED')
        void this.reloadKey(key)
          .then((changed) => this.recompute(changed))
          .catch(() => undefined);
    };
    let effective: unknown;
    let version: number | undefined;
    try {
      const { data, stat } = await this.client.getData(path, this.watches.arm('data', path, again)).catch((e: unknown) => {
        this.watches.disarm('data', path);
        throw e;
      });
      const children = await this.client.getChildren(path, this.watches.arm('children', path, again)).catch((e: unknown) => {
        this.watches.disarm('children', path);
        throw e;
      });
      effective = data.length > 0 ? CONFIG_ENTRY_CODEC.decode(path, data).value : undefined;
      version = stat.version;
      if (children.includes(GRAY)) {
        const gray = await this.client.getData(grayPath, this.watches.arm('data', grayPath, again)).catch((e: unknown) => {
          this.watches.disarm('data', grayPath);
          throw e;
        });
        // An empty gray node is a release being written: its data watch brings the value.
        if (gray.data.length > 0) {
          const entry = CONFIG_ENTRY_CODEC.decode(grayPath, gray.data);
          if ((entry.tags ?? []).some((t) => this.options.instanceTags.includes(t))) effective = entry.value;
        }
      }
    } catch (e) {
      if (isZkError(e, 'ZNONODE')) effective = undefined;
      else {
        this.logger.error(
          { component: 'config-center', path, err: (e as Error).message },
          'could not read a config key; keeping the last good value',
        );
        return [];
      }
    }
    const before = JSON.stringify(this.values.get(key));
    if (effective === undefined) this.values.delete(key);
    else this.values.set(key, effective);
    if (version === undefined) this.appliedVersions.delete(key);
    else if (this.appliedVersions.get(key)?.version !== version) this.appliedVersions.set(key, { version, appliedAtMs: Date.now() });
    return before === JSON.stringify(effective) ? [] : [key];
  }

  private recompute(changedKeys: string[]): void {
    if (changedKeys.length === 0) return;
    const candidate: Record<string, unknown> = {};
    for (const [k, v] of this.values) {
      const fieldSchema = (this.options.schema.shape as Record<string, z.ZodType>)[k];
      const ok = fieldSchema?.safeParse(v);
      if (ok?.success) candidate[k] = ok.data;
      else this.logger.error({ component: 'config-center', key: k, value: v }, 'config value does not match its schema; using the default');
    }
    this.current = this.options.schema.parse(candidate);
    this.writeSnapshot();
    this.logger.info({ component: 'config-center', base: this.base, changedKeys }, 'config changed');
    for (const l of this.listeners) l(this.current, changedKeys);
  }

  private loadSnapshot(): void {
    const saved = this.snapshot?.read();
    if (!saved?.values) return;
    for (const [k, v] of Object.entries(saved.values)) this.values.set(k, v);
    const parsed = this.options.schema.safeParse(Object.fromEntries(this.values));
    if (!parsed.success) {
      this.values.clear();
      this.logger.warn(
        { component: 'config-center', file: this.snapshot?.file },
        'the local config snapshot does not match the schema; ignored',
      );
      return;
    }
    this.current = parsed.data;
    this.logger.info({ component: 'config-center', file: this.snapshot?.file }, 'config loaded from the local snapshot');
  }

  private writeSnapshot(): void {
    this.snapshot?.write({ base: this.base, writtenAt: new Date().toISOString(), values: Object.fromEntries(this.values) });
  }
}
