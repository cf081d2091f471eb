import { EventEmitter } from 'node:events';
import type { HealthCheck, JsonLogger } from '@dsp/service-defaults';
import { isConnected, type ConnectionState, type ConnectionStateChange, type ConnectionStateListener } from './connection-state';
import { parseConnectString } from './wire/connect-string';
import { OPEN_ACL } from './wire/records';
import type { WireWatcher } from './wire/watch-registry';
import { ZkSession, type ZkSessionHandle, type ZkSessionOptions } from './wire/zk-session';
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
  /**
   * Join an existing session instead of opening a new one (its id and password,
   * from `sessionCredentials`). Closing such a client ends that session for its
   * owner too: the way tests force a real session expiry. If the session cannot
   * be joined, the client closes instead of opening a session of its own.
   * @default undefined
   */
  joinSession?: { id: string; password: string };
  /**
   * The service this client acts for. Recipes put their nodes under its own
   * parents (`/locks/<owner>/<name>`, `/election/<owner>/<name>`,
   * `/jobs/<owner>/<job>`), which only its identity may write; without an
   * owner (an operator's tool) they use `/locks/<name>` and so on.
   * @default undefined
   */
  owner?: string;
  /**
   * The ACL of nodes created without one. Default: with `auth`, anyone may
   * read and only the creating identity may change or delete (`world:anyone:r`
   * + `auth::cdrwa`); without `auth`, ZooKeeper's open ACL.
   */
  defaultAcl?: readonly ZkAcl[];
}

export const DEFAULT_ZOOKEEPER_CLIENT_OPTIONS: ZookeeperClientOptions = {
  connectString: '127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183',
  sessionTimeoutMs: 10_000,
  auth: [],
};

/** An ACL entry: scheme (`world`, `auth`, `digest`, `ip`), id and permissions. */
export interface ZkAcl {
  scheme: 'world' | 'auth' | 'digest' | 'ip';
  id: string;
  perms: number;
}

/** Anyone reads; the creating session's identities may do everything (ZooDefs' CREATOR_ALL_ACL + READ_ACL_UNSAFE). */
const CREATOR_ALL_ANYONE_READ: readonly ZkAcl[] = [
  { scheme: 'world', id: 'anyone', perms: 1 },
  { scheme: 'auth', id: '', perms: 31 },
];

/** Opens one wire session; replaced by a fake in unit tests. */
export type ZkSessionFactory = (options: ZkSessionOptions, logger: JsonLogger) => ZkSessionHandle;

const openWireSession: ZkSessionFactory = (options, logger) => new ZkSession(options, logger);

/**
 * A ZooKeeper client with Curator's connection semantics. It keeps one session
 * open until `close()`; when the session expires (or the connection stays
 * SUSPENDED longer than the session timeout) it reports LOST, opens a NEW
 * session and reports RECONNECTED with `newSession: true`, re-adding its
 * credentials. Every transition is logged as `from -> to` and emitted to
 * listeners. Operations never retry by themselves: a connection loss surfaces
 * as a retryable {@link ZkError}; wrap them in a RetryPolicy.
 *
 * It speaks ZooKeeper's protocol itself ({@link ZkSession}, TypeScript, no
 * native code: docs/adr/0006). Watches survive a reconnect to the same
 * session; a lost session fires every armed watcher once with a `SESSION`
 * event.
 *
 * Lifecycle: `start()` once (a second call throws); `close()` is safe to call twice.
 */
export class ZookeeperClient {
  readonly options: ZookeeperClientOptions;
  private readonly servers: ReturnType<typeof parseConnectString>;
  private session: ZkSessionHandle | undefined;
  private generation = 0;
  private current: ConnectionState = 'LATENT';
  private everConnected = false;
  private lostSinceLastConnect = false;
  private suspendTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly events = new EventEmitter();

  constructor(
    options: Partial<ZookeeperClientOptions>,
    private readonly logger: JsonLogger,
    private readonly openSession: ZkSessionFactory = openWireSession,
  ) {
    this.options = { ...DEFAULT_ZOOKEEPER_CLIENT_OPTIONS, ...options };
    try {
      this.servers = parseConnectString(this.options.connectString);
    } catch (e) {
      throw new Error(`ZookeeperClient: ${(e as Error).message}`);
    }
    if (this.options.sessionTimeoutMs < 1000) throw new Error('ZookeeperClient: sessionTimeoutMs must be at least 1000');
    for (const a of this.options.auth) {
      if (a.scheme !== 'digest' || !a.auth.includes(':'))
        throw new Error('ZookeeperClient: auth entries are { scheme: "digest", auth: "user:password" }');
    }
    this.events.setMaxListeners(0);
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The service this client acts for (recipes' node parents), if any. */
  get owner(): string | undefined {
    return this.options.owner;
  }

  /** The ACL given to nodes created without one. */
  get defaultAcl(): readonly ZkAcl[] {
    return this.options.defaultAcl ?? (this.options.auth.length > 0 ? CREATOR_ALL_ANYONE_READ : (OPEN_ACL as readonly ZkAcl[]));
  }

  /** Hex id of the current session, or undefined before the first connect. */
  get sessionId(): string | undefined {
    return this.everConnected && this.session?.sessionId ? this.session.sessionId : undefined;
  }

  /** `host:port` of the server the client is connected to, undefined while not connected. */
  get connectedServer(): string | undefined {
    return isConnected(this.current) ? this.session?.connectedServer : undefined;
  }

  /** The current session's id and password: a second client opened with them shares the session (used to force expiry in tests). */
  get sessionCredentials(): { id: string; password: string } | undefined {
    return this.session && isConnected(this.current) ? { id: this.session.sessionId, password: this.session.sessionPassword } : undefined;
  }

  onStateChange(listener: ConnectionStateListener): () => void {
    this.events.on('state', listener);
    return () => this.events.off('state', listener);
  }

  /** Starts connecting; use `waitConnected()` to wait for the session. */
  start(): void {
    if (this.current !== 'LATENT') throw new Error(`ZookeeperClient.start() called when ${this.current}`);
    this.transition('CONNECTING');
    this.open();
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
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.clearSuspendTimer();
    const s = this.session;
    this.session = undefined;
    this.generation++;
    this.transition('CLOSED');
    this.closing = (async () => {
      if (s) await s.close();
      this.events.removeAllListeners();
    })();
    return this.closing;
  }

  private open(): void {
    const gen = ++this.generation;
    const join = this.options.joinSession && gen === 1 ? this.options.joinSession : undefined;
    const session = this.openSession(
      {
        servers: this.servers.servers,
        chroot: this.servers.chroot,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        auth: this.options.auth.map((a) => ({ scheme: a.scheme, auth: Buffer.from(a.auth) })),
        ...(join ? { resume: join } : {}),
      },
      this.logger,
    );
    this.session = session;
    const live = (): boolean => gen === this.generation;
    session.on('connected', (info) => live() && this.onConnect(info.resumed));
    session.on('disconnected', (reason) => live() && this.onDisconnect(reason));
    session.on('expired', () => live() && this.sessionLost('session expired'));
    session.on('authFailed', () => live() && this.sessionLost('authentication failed'));
    session.start();
  }

  private onConnect(resumed: boolean): void {
    this.clearSuspendTimer();
    if (this.options.joinSession && !resumed) {
      // A client that joins someone else's session must not quietly use one of its own.
      void this.close();
      return;
    }
    const newSession = this.lostSinceLastConnect || !this.everConnected;
    if (!this.everConnected) {
      this.everConnected = true;
      this.transition('CONNECTED');
    } else {
      this.transition('RECONNECTED', newSession);
    }
    this.lostSinceLastConnect = false;
  }

  private onDisconnect(reason: string): void {
    if (!isConnected(this.current)) return;
    this.logger.warn({ component: 'zookeeper', reason }, 'zookeeper connection lost; the session may still live');
    this.transition('SUSPENDED');
    // The server expires the session after sessionTimeout without contact; a client that
    // cannot reach any server must assume the same (Curator's standard policy).
    this.suspendTimer = setTimeout(() => {
      if (this.current === 'SUSPENDED') this.sessionLost('suspended longer than the session timeout');
    }, this.options.sessionTimeoutMs);
  }

  private sessionLost(reason: string): void {
    if (this.current === 'CLOSED') return;
    this.clearSuspendTimer();
    const old = this.session;
    this.session = undefined;
    this.generation++;
    this.lostSinceLastConnect = true;
    this.logger.warn({ component: 'zookeeper', reason }, 'zookeeper session lost');
    this.transition('LOST');
    void old?.close();
    if (this.options.joinSession) {
      void this.close();
      return;
    }
    this.open();
  }

  private clearSuspendTimer(): void {
    if (this.suspendTimer) clearTimeout(this.suspendTimer);
    this.suspendTimer = undefined;
  }

  private transition(to: ConnectionState, newSession = false): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    const sessionId = this.session && isConnected(to) ? this.session.sessionId : undefined;
    const change: ConnectionStateChange = { from, to, newSession, sessionId };
    const server = isConnected(to) ? this.session?.connectedServer : undefined;
    this.logger.info(
      { component: 'zookeeper', from, to, newSession, sessionId, server, connectString: this.options.connectString },
      `zookeeper ${from} -> ${to}`,
    );
    for (const listener of this.events.rawListeners('state') as ConnectionStateListener[]) {
      try {
        listener(change);
      } catch (e) {
        this.logger.error({ component: 'zookeeper', to, err: (e as Error).message }, 'a connection state listener threw');
      }
    }
  }

  // --- operations -----------------------------------------------------------

  private live(op: string, path: string): ZkSessionHandle {
    const s = this.session;
    if (!s || !isConnected(this.current)) throw new ZkError(ZK_CODES.ZCONNECTIONLOSS, op, path, `client is ${this.current}`);
    return s;
  }

  private async call<T>(op: string, path: string, run: (s: ZkSessionHandle) => Promise<T>): Promise<T> {
    return run(this.live(op, path));
  }

  private wrapWatcher(watcher: Watcher | undefined): WireWatcher | undefined {
    if (!watcher) return undefined;
    return (e) => watcher({ type: WATCH_EVENT_TYPES[e.type] ?? 'SESSION', path: e.path });
  }

  /**
   * Creates a node with `acl` (default: {@link defaultAcl}) in one request;
   * returns its actual path (with the sequence suffix for sequential modes).
   */
  create(
    path: string,
    data: Buffer | string | null,
    mode: CreateMode = 'PERSISTENT',
    acl: readonly ZkAcl[] = this.defaultAcl,
  ): Promise<string> {
    const bytes = data === null ? Buffer.alloc(0) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    return this.call('create', path, (s) => s.create(path, bytes, acl, CREATE_MODE_FLAGS[mode]));
  }

  /** The node's stat, or null when it does not exist. A watcher fires once on create/delete/change. */
  exists(path: string, watcher?: Watcher): Promise<ZkStat | null> {
    return this.call('exists', path, (s) => s.exists(path, this.wrapWatcher(watcher)));
  }

  /** The node's bytes and stat. A watcher fires once on change or delete. */
  getData(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: ZkStat }> {
    return this.call('getData', path, (s) => s.getData(path, this.wrapWatcher(watcher)));
  }

  /** Child names (not paths), sorted. A watcher fires once when the children change or the node goes. */
  async getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return (await this.call('getChildren', path, (s) => s.getChildren(path, this.wrapWatcher(watcher)))).children;
  }

  /** Sets data if the version matches (-1: any version); returns the new stat. */
  setData(path: string, data: Buffer | string, version = -1): Promise<ZkStat> {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    return this.call('setData', path, (s) => s.setData(path, bytes, version));
  }

  /** Deletes a node if the version matches (-1: any version). */
  delete(path: string, version = -1): Promise<void> {
    return this.call('delete', path, (s) => s.delete(path, version));
  }

  /** The node's ACL and stat. */
  async getAcl(path: string): Promise<{ acl: ZkAcl[]; stat: ZkStat }> {
    const r = await this.call('getAcl', path, (s) => s.getAcl(path));
    return { acl: r.acl.map((a) => ({ scheme: a.scheme as ZkAcl['scheme'], id: a.id, perms: a.perms })), stat: r.stat };
  }

  /** Replaces the node's ACL if its ACL version matches (-1: any version). */
  async setAcl(path: string, acl: readonly ZkAcl[], version = -1): Promise<void> {
    await this.call('setAcl', path, (s) => s.setAcl(path, acl, version));
  }

  /** `addauth` for the current session only (use the `auth` option to keep it across sessions). */
  addAuth(scheme: string, auth: string): Promise<void> {
    return this.call('addAuth', scheme, (s) => s.addAuth(scheme, Buffer.from(auth)));
  }

  /** Makes the connected server catch up with the leader before the next read (sync). */
  sync(path: string): Promise<void> {
    return this.call('sync', path, (s) => s.sync(path));
  }

  /**
   * Creates every missing node along `path` as PERSISTENT (with the default
   * ACL); existing ones are left alone. Existence is checked first: ZooKeeper
   * checks the parent's CREATE right before it reports NodeExists, and an
   * identity may own `/locks/<own>` without any right on `/` or `/locks`.
   */
  async mkdirp(path: string): Promise<void> {
    let current = '';
    for (const part of path.split('/').filter(Boolean)) {
      current += `/${part}`;
      if (await this.exists(current)) continue;
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
