import { EventEmitter } from 'node:events';
import type { HealthCheck, JsonLogger } from '@dsp/service-defaults';
import { isConnected, type ConnectionState, type ConnectionStateChange, type ConnectionStateListener } from './connection-state';
import { NativeZk, type NativeAcl, type NativeZkHandle, type RcCallback } from './native-zk';
import { ZK_CODES, ZkError } from './zk-error';
import { CREATE_MODE_FLAGS, WATCH_EVENT_TYPES, type CreateMode, type Watcher, type ZkStat } from './zk-types';

export interface ZkAuth {
  scheme: 'digest';
  /** `user:password` */
  auth: string;
}

export interface ZookeeperClientOptions {
  /** Comma-separated `host:port` list. @default '127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183' */
  connectString: string;
  /** Requested session timeout in ms (the server clamps it to 2-20 x tickTime). @default 10000 */
  sessionTimeoutMs: number;
  /** Credentials added to every session this client opens (`addauth`). @default [] */
  auth: ZkAuth[];
  /** Log level of the native C client on stderr: 0 off, 1 error ... 4 debug. @default 1 */
  nativeLogLevel: 0 | 1 | 2 | 3 | 4;
  /**
   * Join an existing session instead of opening a new one (its id and password,
   * from `sessionCredentials`). Closing such a client ends that session for its
   * owner too: the way tests force a real session expiry. If the session cannot
   * be joined, the client closes instead of opening a session of its own.
   * @default undefined
   */
  joinSession?: { id: string; password: string };
}

export const DEFAULT_ZOOKEEPER_CLIENT_OPTIONS: ZookeeperClientOptions = {
  connectString: '127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183',
  sessionTimeoutMs: 10_000,
  auth: [],
  nativeLogLevel: 1,
};

/** An ACL entry: scheme (`world`, `auth`, `digest`, `ip`), id and permissions. */
export interface ZkAcl {
  scheme: 'world' | 'auth' | 'digest' | 'ip';
  id: string;
  perms: number;
}

function toStat(raw: unknown): ZkStat {
  const s = raw as Record<string, unknown>;
  return {
    czxid: String(s['czxid']),
    mzxid: String(s['mzxid']),
    pzxid: String(s['pzxid']),
    ctime: Number(s['ctime']),
    mtime: Number(s['mtime']),
    version: Number(s['version']),
    cversion: Number(s['cversion']),
    aversion: Number(s['aversion']),
    ephemeralOwner: String(s['ephemeralOwner']),
    dataLength: Number(s['dataLength']),
    numChildren: Number(s['numChildren']),
  };
}

/**
 * A ZooKeeper client with Curator's connection semantics. It keeps one session
 * open until `close()`; when the session expires (or the connection stays
 * SUSPENDED longer than the session timeout) it reports LOST, opens a NEW
 * session and reports RECONNECTED with `newSession: true`, re-adding its
 * credentials. Every transition is logged as `from -> to` and emitted to
 * listeners. Operations never retry by themselves: a connection loss surfaces
 * as a retryable {@link ZkError}; wrap them in a RetryPolicy.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice.
 */
export class ZookeeperClient {
  readonly options: ZookeeperClientOptions;
  private handle: NativeZkHandle | undefined;
  private generation = 0;
  private current: ConnectionState = 'LATENT';
  private everConnected = false;
  private lostSinceLastConnect = false;
  private suspendTimer: NodeJS.Timeout | undefined;
  private connectWatchdog: NodeJS.Timeout | undefined;
  private readonly events = new EventEmitter();

  constructor(
    options: Partial<ZookeeperClientOptions>,
    private readonly logger: JsonLogger,
    /** Opens a native session handle; replaced by a fake in unit tests. */
    private readonly openHandle: (config: Record<string, unknown>) => NativeZkHandle = (config) => new NativeZk(config),
  ) {
    this.options = { ...DEFAULT_ZOOKEEPER_CLIENT_OPTIONS, ...options };
    if (!/^[^,\s]+:\d+(,[^,\s]+:\d+)*(\/[^\s]*)?$/.test(this.options.connectString)) {
      throw new Error(`ZookeeperClient: connectString must be host:port[,host:port...], got "${this.options.connectString}"`);
    }
    if (this.options.sessionTimeoutMs < 1000) throw new Error('ZookeeperClient: sessionTimeoutMs must be at least 1000');
    this.events.setMaxListeners(0);
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Hex id of the current session, or undefined before the first connect. */
  get sessionId(): string | undefined {
    return this.handle && this.everConnected ? this.handle.client_id : undefined;
  }

  /** The current session's id and password: a second handle opened with them shares the session (used to force expiry in tests). */
  get sessionCredentials(): { id: string; password: string } | undefined {
    return this.handle && isConnected(this.current) ? { id: this.handle.client_id, password: this.handle.client_password } : undefined;
  }

  onStateChange(listener: ConnectionStateListener): () => void {
    this.events.on('state', listener);
    return () => this.events.off('state', listener);
  }

  /** Starts connecting; use `waitConnected()` to wait for the session. */
  start(): void {
    if (this.current !== 'LATENT') throw new Error(`ZookeeperClient.start() called when ${this.current}`);
    this.transition('CONNECTING');
    this.openSession();
  }

  /** Resolves once connected; rejects after `timeoutMs` or when closed. */
  waitConnected(timeoutMs: number): Promise<void> {
    if (isConnected(this.current)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`ZooKeeper at ${this.options.connectString}: not connected within ${timeoutMs} ms (state ${this.current})`));
      }, timeoutMs);
      const off = this.onStateChange((c) => {
        if (isConnected(c.to) || c.to === 'CLOSED') {
          clearTimeout(timer);
          off();
          if (c.to === 'CLOSED') reject(new Error('ZookeeperClient closed'));
          else resolve();
        }
      });
    });
  }

  /** Closes the session (its ephemeral nodes go at once); safe to call twice. */
  async close(): Promise<void> {
    if (this.current === 'CLOSED') return;
    this.clearSuspendTimer();
    this.clearConnectWatchdog();
    const h = this.handle;
    this.handle = undefined;
    this.generation++;
    this.transition('CLOSED');
    if (h) {
      // Never close a handle inside its own callback chain: promise continuations run while the
      // addon is still in zookeeper_process for this handle, and closing there aborts the process
      // (uv_poll_start on a closing handle). A fresh macrotask is outside it.
      await new Promise((r) => setImmediate(r));
      await new Promise<void>((resolve) => {
        const done = setTimeout(resolve, 2000);
        h.once('close', () => {
          clearTimeout(done);
          resolve();
        });
        h.close();
      });
    }
    this.events.removeAllListeners();
  }

  private openSession(): void {
    const gen = ++this.generation;
    this.armConnectWatchdog(gen);
    const handle = this.openHandle({
      connect: this.options.connectString,
      timeout: this.options.sessionTimeoutMs,
      debug_level: this.options.nativeLogLevel,
      host_order_deterministic: false,
      data_as_buffer: true,
      ...(this.options.joinSession && gen === 1
        ? { client_id: this.options.joinSession.id, client_password: this.options.joinSession.password }
        : {}),
    });
    this.handle = handle;
    // Every native event is handled from a fresh macrotask: code that runs inside the addon's
    // zookeeper_process (listeners, promise continuations) must not call back into the addon,
    // or a reentrant poll restart during a reconnect aborts the process.
    handle.on('connect', () => setImmediate(() => gen === this.generation && this.onConnect(handle)));
    handle.on('connecting', () => setImmediate(() => gen === this.generation && this.onDisconnect()));
    handle.on('close', (_self: unknown, code: number) => setImmediate(() => gen === this.generation && this.onClose(code)));
    handle.init({});
  }

  private onConnect(handle: NativeZkHandle): void {
    this.clearSuspendTimer();
    this.clearConnectWatchdog();
    const newSession = this.lostSinceLastConnect || !this.everConnected;
    for (const a of this.options.auth) {
      handle.add_auth(a.scheme, a.auth, (rc) => {
        if (rc !== 0) this.logger.error({ component: 'zookeeper', scheme: a.scheme, rc }, 'zookeeper addauth failed');
      });
    }
    if (!this.everConnected) {
      this.everConnected = true;
      this.transition('CONNECTED');
    } else {
      this.transition('RECONNECTED', newSession);
    }
    this.lostSinceLastConnect = false;
  }

  private onDisconnect(): void {
    if (!isConnected(this.current)) return;
    this.transition('SUSPENDED');
    // The server expires the session after sessionTimeout without contact; a client that
    // cannot reach any server must assume the same (Curator's standard policy).
    this.suspendTimer = setTimeout(() => {
      if (this.current === 'SUSPENDED') this.sessionLost('suspended longer than the session timeout');
    }, this.options.sessionTimeoutMs);
  }

  private onClose(code: number): void {
    if (this.current === 'CLOSED') return;
    this.sessionLost(code === -112 ? 'session expired' : code === -113 ? 'authentication failed' : `closed by the native client (${code})`);
  }

  private sessionLost(reason: string): void {
    this.clearSuspendTimer();
    const old = this.handle;
    this.handle = undefined;
    this.generation++;
    this.lostSinceLastConnect = true;
    this.logger.warn({ component: 'zookeeper', reason }, 'zookeeper session lost');
    this.transition('LOST');
    // Closed from a fresh macrotask, never inside the addon's own callback (see close()).
    setImmediate(() => {
      try {
        old?.close();
      } catch {
        /* already closed by the native client */
      }
    });
    if (this.options.joinSession) {
      // A client that joined someone else's session must not quietly open one of its own.
      void this.close();
      return;
    }
    if (this.current === 'LOST') this.openSession();
  }

  /**
   * A handle opened while no server could serve can stay stuck even after the
   * ensemble is back (seen in the quorum-loss test). Without a session after two
   * session timeouts, the handle is replaced by a fresh one.
   */
  private armConnectWatchdog(gen: number): void {
    this.clearConnectWatchdog();
    if (this.options.joinSession) return; // a joining client never opens a session of its own
    this.connectWatchdog = setTimeout(() => {
      if (gen !== this.generation || this.current === 'CLOSED' || isConnected(this.current) || this.current === 'SUSPENDED') return;
      this.logger.warn(
        { component: 'zookeeper', state: this.current, afterMs: this.options.sessionTimeoutMs },
        'no session yet; replacing the connection handle',
      );
      const stuck = this.handle;
      this.handle = undefined;
      setImmediate(() => {
        try {
          stuck?.close();
        } catch {
          /* already closed */
        }
      });
      this.openSession();
    }, 2 * this.options.sessionTimeoutMs); // the C client moves to the next server by itself first
    this.connectWatchdog.unref();
  }

  private clearConnectWatchdog(): void {
    if (this.connectWatchdog) clearTimeout(this.connectWatchdog);
    this.connectWatchdog = undefined;
  }

  private clearSuspendTimer(): void {
    if (this.suspendTimer) clearTimeout(this.suspendTimer);
    this.suspendTimer = undefined;
  }

  private transition(to: ConnectionState, newSession = false): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    const sessionId = this.handle && isConnected(to) ? this.handle.client_id : undefined;
    const change: ConnectionStateChange = { from, to, newSession, sessionId };
    this.logger.info(
      { component: 'zookeeper', from, to, newSession, sessionId, connectString: this.options.connectString },
      `zookeeper ${from} -> ${to}`,
    );
    this.events.emit('state', change);
  }

  // --- operations -----------------------------------------------------------

  private call<T>(
    op: string,
    path: string,
    invoke: (h: NativeZkHandle, cb: RcCallback<unknown[]>) => number,
    map: (...r: unknown[]) => T,
  ): Promise<T> {
    const h = this.handle;
    if (!h || !isConnected(this.current)) {
      return Promise.reject(new ZkError(-4, op, path, `client is ${this.current}`));
    }
    return new Promise<T>((resolve, reject) => {
      // Issued from a fresh macrotask, never from inside the addon (see openSession).
      setImmediate(() => {
        if (this.handle !== h || !isConnected(this.current)) {
          reject(new ZkError(-4, op, path, `client is ${this.current}`));
          return;
        }
        const rc = invoke(h, (code, error, ...result) => {
          if (code !== 0) reject(new ZkError(code, op, path, error));
          else resolve(map(...result));
        });
        if (typeof rc === 'number' && rc < 0) reject(new ZkError(rc, op, path));
      });
    });
  }

  private wrapWatcher(watcher: Watcher): (type: number, state: number, path: string) => void {
    return (type, _state, path) => setImmediate(() => watcher({ type: WATCH_EVENT_TYPES[type] ?? 'SESSION', path }));
  }

  /** Creates a node; returns its actual path (with the sequence suffix for sequential modes). */
  create(path: string, data: Buffer | string | null, mode: CreateMode = 'PERSISTENT'): Promise<string> {
    // The addon stores `null` as the four bytes "null": an empty node gets an empty buffer.
    const bytes = data ?? Buffer.alloc(0);
    return this.call(
      'create',
      path,
      (h, cb) => h.a_create(path, bytes, CREATE_MODE_FLAGS[mode], cb as RcCallback<[string]>),
      (p) => String(p),
    );
  }

  /** The node's stat, or null when it does not exist. A watcher fires once on create/delete/change. */
  async exists(path: string, watcher?: Watcher): Promise<ZkStat | null> {
    try {
      return await this.call(
        'exists',
        path,
        (h, cb) =>
          watcher
            ? h.aw_exists(path, this.wrapWatcher(watcher), cb as RcCallback<[unknown]>)
            : h.a_exists(path, false, cb as RcCallback<[unknown]>),
        (s) => toStat(s),
      );
    } catch (e) {
      if (e instanceof ZkError && e.is('ZNONODE')) return null;
      throw e;
    }
  }

  /** The node's bytes and stat. A watcher fires once on change or delete. */
  getData(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: ZkStat }> {
    return this.call(
      'getData',
      path,
      (h, cb) =>
        watcher
          ? h.aw_get(path, this.wrapWatcher(watcher), cb as RcCallback<[unknown, Buffer | null]>)
          : h.a_get(path, false, cb as RcCallback<[unknown, Buffer | null]>),
      (s, d) => ({ stat: toStat(s), data: Buffer.isBuffer(d) ? d : Buffer.from((d as string | null) ?? '') }),
    );
  }

  /** Child names (not paths), sorted. A watcher fires once when the children change or the node goes. */
  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.call(
      'getChildren',
      path,
      (h, cb) =>
        watcher
          ? h.aw_get_children2(path, this.wrapWatcher(watcher), cb as RcCallback<[string[], unknown]>)
          : h.a_get_children2(path, false, cb as RcCallback<[string[], unknown]>),
      (children) => [...((children as string[] | undefined) ?? [])].sort(),
    );
  }

  /** Sets data if the version matches (-1: any version); returns the new stat. */
  setData(path: string, data: Buffer | string, version = -1): Promise<ZkStat> {
    return this.call(
      'setData',
      path,
      (h, cb) => h.a_set(path, data, version, cb as RcCallback<[unknown]>),
      (s) => toStat(s),
    );
  }

  /** Deletes a node if the version matches (-1: any version). */
  delete(path: string, version = -1): Promise<void> {
    return this.call(
      'delete',
      path,
      (h, cb) => h.a_delete_(path, version, cb as RcCallback<[]>),
      () => undefined,
    );
  }

  /**
   * The node's ACL. The npm addon crashes the process (`deallocate_ACL_vector(NULL)`)
   * when getAcl fails, so the node's existence is checked first; a node deleted in
   * between still hits that bug (docs/adr/0003).
   */
  async getAcl(path: string): Promise<{ acl: ZkAcl[]; stat: ZkStat }> {
    if ((await this.exists(path)) === null) throw new ZkError(ZK_CODES.ZNONODE, 'getAcl', path);
    return this.call(
      'getAcl',
      path,
      (h, cb) => h.a_get_acl(path, cb as RcCallback<[NativeAcl[], unknown]>),
      (acl, stat) => ({
        acl: ((acl as NativeAcl[] | undefined) ?? []).map((a) => ({ scheme: a.scheme as ZkAcl['scheme'], id: a.auth, perms: a.perms })),
        stat: toStat(stat),
      }),
    );
  }

  setAcl(path: string, acl: readonly ZkAcl[], version = -1): Promise<void> {
    const native: NativeAcl[] = acl.map((a) => ({ scheme: a.scheme, auth: a.id, perms: a.perms }));
    return this.call(
      'setAcl',
      path,
      (h, cb) => h.a_set_acl(path, version, native, cb as RcCallback<[]>),
      () => undefined,
    );
  }

  /** `addauth` for the current session only (use the `auth` option to keep it across sessions). */
  addAuth(scheme: string, auth: string): Promise<void> {
    return this.call(
      'addAuth',
      scheme,
      (h, cb) => h.add_auth(scheme, auth, cb as RcCallback<[]>),
      () => undefined,
    );
  }

  /** Makes the connected server catch up with the leader before the next read (sync). */
  sync(path: string): Promise<void> {
    return this.call(
      'sync',
      path,
      (h, cb) => h.a_sync(path, cb as RcCallback<[string]>),
      () => undefined,
    );
  }

  /** Creates every missing node along `path` as PERSISTENT; existing ones are left alone. */
  async mkdirp(path: string): Promise<void> {
    let current = '';
    for (const part of path.split('/').filter(Boolean)) {
      current += `/${part}`;
      try {
        await this.create(current, null, 'PERSISTENT');
      } catch (e) {
        if (!(e instanceof ZkError && e.is('ZNODEEXISTS'))) throw e;
      }
    }
  }

  /** A health check: the session is connected and the server answers. */
  async ping(): Promise<void> {
    await this.exists('/');
  }

  healthCheck(name = 'zookeeper'): HealthCheck {
    return { name, check: () => this.ping() };
  }
}
