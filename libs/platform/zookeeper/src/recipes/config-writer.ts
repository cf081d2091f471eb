import type { z } from 'zod';
import { znodePaths } from '@dsp/contracts';
import { acl } from '../acl';
import { RetryUntilElapsed, type RetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';
import { isZkError, ZkError } from '../zk-error';
import type { ZkAcl, ZookeeperClient } from '../zookeeper-client';
import {
  CONFIG_ENTRY_CODEC,
  ConfigStoreUnavailableError,
  ConfigValueError,
  GRAY,
  HISTORY_PREFIX,
  type ConfigHistoryEntry,
} from './config-entry';

export interface ConfigWriterOptions<S extends z.ZodObject> {
  app: string;
  profile: string;
  /** Keys and their types: a value is validated before it is written. */
  schema: S;
  /** Digest credentials of writers; the client must have them as `auth`. Without them nodes get ZooKeeper's open default. */
  writer: { user: string; password: string } | undefined;
  /**
   * Retries after connection loss; then the write fails with a
   * {@link ConfigStoreUnavailableError}. Bounded well inside a caller's HTTP
   * timeout (the gateway's upstream timeout is 10 s).
   * @default RetryUntilElapsed(3000, 250)
   */
  retry: RetryPolicy;
}

/**
 * The write half of the configuration center (docs/notes.md#n28): every value is
 * validated by the service's schema before it reaches ZooKeeper (an unknown
 * key or a bad value is a {@link ConfigValueError}); every write appends a
 * persistent-sequential history entry, and the first write of a key is
 * preceded by one holding the schema's default, so any earlier value, the
 * default included, can be rolled back to; a gray release goes to tagged instances first and is then promoted or
 * cancelled. Every node from `/config` down is created with the writers' ACL
 * (`world:r` + `digest:<writer>:cdrwa`) in the same request, so it is never
 * open, and an existing open node is closed the first time it is written.
 * Needs the writer's digest credentials on the client; without them ZooKeeper
 * answers NoAuth. When ZooKeeper cannot take a write (no quorum, session lost)
 * within the retry policy, a write fails with {@link ConfigStoreUnavailableError}
 * (503), never a bare connection error.
 */
export class ConfigWriter<S extends z.ZodObject> {
  private readonly options: ConfigWriterOptions<S>;
  private readonly writerAcl: ZkAcl[];
  /** Config nodes this instance has created or closed with the writers' ACL. */
  private readonly aclEnsured = new Set<string>();

  constructor(
    private readonly client: ZookeeperClient,
    options: Partial<ConfigWriterOptions<S>> & Pick<ConfigWriterOptions<S>, 'app' | 'profile' | 'schema'>,
  ) {
    this.options = { writer: undefined, retry: new RetryUntilElapsed(3000, 250), ...options };
    this.writerAcl = this.options.writer
      ? [acl.world('r'), acl.digest(this.options.writer.user, this.options.writer.password, 'cdrwa')]
      : [];
  }

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
      // Existence first: ZooKeeper checks CREATE on the parent before it answers
      // NodeExists, and a writer has no rights above its own app (`/config`).
      if (await this.client.exists(current)) {
        if (current.split('/').length > 2) await this.closeOpenAcl(current);
        this.aclEnsured.add(current);
        continue;
      }
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

  /** Runs a public operation; connection loss that outlasts the retries becomes {@link ConfigStoreUnavailableError}. */
  private async store<T>(op: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof ZkError && e.retryable) throw new ConfigStoreUnavailableError(op, key, e.message);
      throw e;
    }
  }

  /** Writes a value for everyone, with a history entry. */
  async set(key: string, value: unknown, author: string): Promise<void> {
    await this.store('write', key, () => this.setValue(key, value, author));
  }

  private async setValue(key: string, value: unknown, author: string): Promise<void> {
    const valid = this.validate(key, value);
    const path = znodePaths.configKey(this.options.app, this.options.profile, key);
    const entry = CONFIG_ENTRY_CODEC.encode({ schemaVersion: 1, value: valid, writtenAt: new Date().toISOString(), author });
    // A key's history starts with the schema's default, so a rollback can return to the value the
    // service ran with before anyone wrote one. Recorded before the value, when the key has no history
    // yet: the oldest entry is always a default, whoever writes first (gray releases included).
    const fallback = this.fieldSchema(key).safeParse(undefined);
    if (fallback.success && fallback.data !== undefined && (await this.historyNames(path)).length === 0) {
      const was = CONFIG_ENTRY_CODEC.encode({
        schemaVersion: 1,
        value: fallback.data,
        writtenAt: new Date().toISOString(),
        author: 'default (the schema, before the first write)',
      });
      await withRetry(this.client, this.options.retry, async () => {
        await this.ensurePath(path);
        await this.client.create(`${path}/${HISTORY_PREFIX}`, was, 'PERSISTENT_SEQUENTIAL', ...this.aclArg());
      });
    }
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
    return this.store('history read', key, () => this.readHistory(key));
  }

  /** The history entries' node names of a key (none when the key was never written). */
  private async historyNames(path: string): Promise<string[]> {
    const children = await withRetry(this.client, this.options.retry, () =>
      this.client.getChildren(path).catch((e: unknown) => (isZkError(e, 'ZNONODE') ? [] : Promise.reject(e))),
    );
    return children.filter((n) => n.startsWith(HISTORY_PREFIX));
  }

  private async readHistory(key: string): Promise<ConfigHistoryEntry[]> {
    this.fieldSchema(key);
    const path = znodePaths.configKey(this.options.app, this.options.profile, key);
    const names = await this.historyNames(path);
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
    await this.store('gray release', key, () => this.writeNode(path, entry));
  }

  /** Makes the gray value everyone's value, and ends the gray release. */
  async promoteGray(key: string, author: string): Promise<void> {
    this.fieldSchema(key);
    const path = `${znodePaths.configKey(this.options.app, this.options.profile, key)}/${GRAY}`;
    await this.store('gray promotion', key, async () => {
      const { data } = await this.client.getData(path).catch((e: unknown) => {
        throw isZkError(e, 'ZNONODE') ? new ConfigValueError(key, 'no gray release to promote') : e;
      });
      const gray = CONFIG_ENTRY_CODEC.decode(path, data);
      await this.setValue(key, gray.value, `${author} (promote gray)`);
      await this.client.delete(path);
    });
  }

  /** Ends a gray release without promoting it. */
  async cancelGray(key: string): Promise<void> {
    this.fieldSchema(key);
    const path = `${znodePaths.configKey(this.options.app, this.options.profile, key)}/${GRAY}`;
    await this.store('gray cancel', key, () =>
      this.client.delete(path).catch((e: unknown) => {
        if (!isZkError(e, 'ZNONODE')) throw e;
      }),
    );
  }
}
