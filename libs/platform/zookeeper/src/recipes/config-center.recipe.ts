import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { znodePaths } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import { acl } from '../acl';
import type { ConnectionStateChange } from '../connection-state';
import { isConnected } from '../connection-state';
import { ExponentialBackoffRetry, type RetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';
import { ZnodeCodec } from '../znode-codec';
import { WatchSet } from './watch-set';
import { isZkError } from '../zk-error';
import type { ZkAcl, ZookeeperClient } from '../zookeeper-client';

const ENTRY_V1 = z.object({
  schemaVersion: z.literal(1),
  value: z.unknown(),
  writtenAt: z.string(),
  author: z.string(),
  /** Gray release only: instances with any of these tags see this value. */
  tags: z.array(z.string()).optional(),
});

export type ConfigEntry = z.infer<typeof ENTRY_V1>;

/** Codec of `/config/<app>/<profile>/<key>` values, history entries and gray releases. */
export const CONFIG_ENTRY_CODEC = new ZnodeCodec<ConfigEntry>('config entry', { 1: ENTRY_V1 }, 1);

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
  /** @default ExponentialBackoffRetry(100, 5, 1000) */
  retry: RetryPolicy;
}

export interface ConfigHistoryEntry extends ConfigEntry {
  /** The history node's sequence, for `rollback`. */
  seq: number;
}

export type ConfigChangeListener<T> = (view: T, changedKeys: string[]) => void;

const HISTORY_PREFIX = 'h-';
const GRAY = 'gray';

/**
 * A configuration center on ZooKeeper (seed line 28) with three layers of
 * availability: the in-memory view, a local snapshot file, and ZooKeeper.
 *
 * - Reads are anonymous; the `/config` subtree is `world:r` plus `digest:<writer>:cdrwa`,
 *   so a write without the writer's credentials fails with NoAuth (seed lines 20-21, 25-26).
 * - The view is typed and validated by a zod schema; a value that does not
 *   validate is refused at write time and ignored (last good kept) at read time.
 * - Values update live: data and child watches are one-shot, so every event
 *   re-reads the key and re-arms them (seed lines 18-19, 24).
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
  private current: z.infer<S>;
  private readonly listeners = new Set<ConfigChangeListener<z.infer<S>>>();
  private offState: (() => void) | undefined;
  private readonly writerAcl: ZkAcl[];
  /** Config nodes this instance has created or closed with the writers' ACL. */
  private readonly aclEnsured = new Set<string>();
  private readonly watches = new WatchSet();

  constructor(
    private readonly client: ZookeeperClient,
    private readonly logger: JsonLogger,
    options: Partial<ConfigCenterOptions<S>> & Pick<ConfigCenterOptions<S>, 'app' | 'profile' | 'schema'>,
  ) {
    this.options = {
      snapshotFile: undefined,
      instanceTags: [],
      writer: undefined,
      retry: new ExponentialBackoffRetry(100, 5, 1000),
      ...options,
    };
    this.base = znodePaths.configProfile(options.app, options.profile);
    this.current = this.options.schema.parse({});
    this.writerAcl = this.options.writer
      ? [acl.world('r'), acl.digest(this.options.writer.user, this.options.writer.password, 'cdrwa')]
      : [];
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
    try {
      const { data } = await this.client.getData(path, this.watches.arm('data', path, again)).catch((e: unknown) => {
        this.watches.disarm('data', path);
        throw e;
      });
      const children = await this.client.getChildren(path, this.watches.arm('children', path, again)).catch((e: unknown) => {
        this.watches.disarm('children', path);
        throw e;
      });
      effective = data.length > 0 ? CONFIG_ENTRY_CODEC.decode(path, data).value : undefined;
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
    const file = this.options.snapshotFile;
    if (!file) return;
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { values: Record<string, unknown> };
      for (const [k, v] of Object.entries(raw.values)) this.values.set(k, v);
      this.current = this.options.schema.parse(Object.fromEntries(this.values));
      this.logger.info({ component: 'config-center', file }, 'config loaded from the local snapshot');
    } catch {
      /* no snapshot yet */
    }
  }

  private writeSnapshot(): void {
    const file = this.options.snapshotFile;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(
        tmp,
        JSON.stringify({ base: this.base, writtenAt: new Date().toISOString(), values: Object.fromEntries(this.values) }, null, 2),
      );
      renameSync(tmp, file);
    } catch (e) {
      this.logger.warn({ component: 'config-center', file, err: (e as Error).message }, 'could not write the config snapshot');
    }
  }

  // --- writing (needs the writer's digest credentials on the client) --------

  private fieldSchema(key: string): z.ZodType {
    const fieldSchema = (this.options.schema.shape as Record<string, z.ZodType>)[key];
    if (!fieldSchema) throw new ConfigValueError(key, `unknown key; known: ${Object.keys(this.options.schema.shape).join(', ')}`);
    return fieldSchema;
  }

  private validate(key: string, value: unknown): unknown {
    const fieldSchema = this.fieldSchema(key);
    const ok = fieldSchema.safeParse(value);
    if (!ok.success) throw new ConfigValueError(key, ok.error.issues.map((i) => i.message).join('; '));
    return ok.data;
  }

  /**
   * Creates missing nodes from `/config` down to `path`, each with the writers' ACL.
   * Each node is ensured once per instance, not on every write (`aclEnsured`).
   */
  private async ensurePath(path: string): Promise<void> {
    let current = '';
    for (const part of path.split('/').filter(Boolean)) {
      current += `/${part}`;
      if (this.aclEnsured.has(current)) continue;
      try {
        // Created with its ACL in the same request: never open to anyone, not even for a moment.
        await this.client.create(current, null, 'PERSISTENT', ...this.aclArg());
      } catch (e) {
        if (!isZkError(e, 'ZNODEEXISTS')) throw e;
        await this.closeOpenAcl(current);
      }
      this.aclEnsured.add(current);
    }
  }

  /** Sets `path` to `entry`, creating the path first; a node deleted since it was ensured is ensured again. */
  private async writeNode(path: string, entry: Buffer | string): Promise<void> {
    await withRetry(this.client, this.options.retry, async () => {
      await this.ensurePath(path);
      try {
        await this.client.setData(path, entry);
      } catch (e) {
        if (!isZkError(e, 'ZNONODE')) throw e;
        // Deleted meanwhile (a finished gray release, an operator): ensure the path again.
        this.aclEnsured.clear();
        await this.ensurePath(path);
        await this.client.setData(path, entry);
      }
    });
  }

  /**
   * Re-asserts the writers' ACL on an existing node, so a subtree first created
   * without ACLs (by zkCli, or a writer without credentials) gets closed. A node
   * we may not administer keeps its ACL.
   */
  private async closeOpenAcl(path: string): Promise<void> {
    if (this.writerAcl.length === 0) return;
    await this.client.setAcl(path, this.writerAcl).catch((e: unknown) => {
      if (!isZkError(e, 'ZNOAUTH')) throw e;
    });
  }

  /** Writes a value for everyone, with a history entry. */
  async set(key: string, value: unknown, author: string): Promise<void> {
    const valid = this.validate(key, value);
    const path = znodePaths.configKey(this.options.app, this.options.profile, key);
    const entry = CONFIG_ENTRY_CODEC.encode({ schemaVersion: 1, value: valid, writtenAt: new Date().toISOString(), author });
    await this.writeNode(path, entry);
    // History is appended after the value: a crash between the two loses one history line, never the value.
    await withRetry(this.client, this.options.retry, () =>
      this.client.create(`${path}/${HISTORY_PREFIX}`, entry, 'PERSISTENT_SEQUENTIAL', ...this.aclArg()),
    );
  }

  /** The ACL argument for create: the writers' ACL, or none (ZooKeeper's open default) without writer credentials. */
  private aclArg(): [] | [readonly ZkAcl[]] {
    return this.writerAcl.length > 0 ? [this.writerAcl] : [];
  }

  /** Every value ever written for a key, oldest first. */
  async history(key: string): Promise<ConfigHistoryEntry[]> {
    this.fieldSchema(key);
    const path = znodePaths.configKey(this.options.app, this.options.profile, key);
    const names = (await this.client.getChildren(path).catch((e: unknown) => (isZkError(e, 'ZNONODE') ? [] : Promise.reject(e)))).filter(
      (n) => n.startsWith(HISTORY_PREFIX),
    );
    const entries = await Promise.all(
      names.map(async (n) => {
        const { data } = await this.client.getData(`${path}/${n}`);
        return { ...CONFIG_ENTRY_CODEC.decode(`${path}/${n}`, data), seq: Number(n.slice(HISTORY_PREFIX.length)) };
      }),
    );
    return entries.sort((a, b) => a.seq - b.seq);
  }

  /** Writes the value of history entry `seq` again (as a new history entry). */
  async rollback(key: string, seq: number, author: string): Promise<unknown> {
    const entry = (await this.history(key)).find((h) => h.seq === seq);
    if (!entry) throw new ConfigValueError(key, `no history entry ${seq}`);
    await this.set(key, entry.value, `${author} (rollback to ${seq})`);
    return entry.value;
  }

  /** Publishes a value to instances with any of `tags` only. */
  async grayRelease(key: string, value: unknown, tags: string[], author: string): Promise<void> {
    if (tags.length === 0) throw new ConfigValueError(key, 'a gray release needs at least one tag');
    const valid = this.validate(key, value);
    const path = `${znodePaths.configKey(this.options.app, this.options.profile, key)}/${GRAY}`;
    const entry = CONFIG_ENTRY_CODEC.encode({ schemaVersion: 1, value: valid, writtenAt: new Date().toISOString(), author, tags });
    await this.writeNode(path, entry);
  }

  /** Makes the gray value everyone's value, and ends the gray release. */
  async promoteGray(key: string, author: string): Promise<void> {
    const path = `${znodePaths.configKey(this.options.app, this.options.profile, key)}/${GRAY}`;
    const gray = CONFIG_ENTRY_CODEC.decode(path, (await this.client.getData(path)).data);
    await this.set(key, gray.value, `${author} (promote gray)`);
    await this.client.delete(path);
  }

  /** Ends a gray release without promoting it. */
  async cancelGray(key: string): Promise<void> {
    const path = `${znodePaths.configKey(this.options.app, this.options.profile, key)}/${GRAY}`;
    await this.client.delete(path).catch((e: unknown) => {
      if (!isZkError(e, 'ZNONODE')) throw e;
    });
  }
}

/** A config write was refused before reaching ZooKeeper: unknown key or invalid value. */
export class ConfigValueError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`config key "${key}": ${problem}`);
    this.name = 'ConfigValueError';
  }
}
