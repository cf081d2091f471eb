import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { JsonLogger } from '@dsp/service-defaults';
import { ZK_CODES, ZkError } from '../zk-error';
import type { ZkStat } from '../zk-types';
import type { ZkServerAddress } from './connect-string';
import { JuteReader, type JuteWriter } from './jute';
import {
  connectRequestFrame,
  OP,
  readAcl,
  readConnectResponse,
  readReplyHeader,
  readStat,
  readWatcherEvent,
  requestWriter,
  sessionIdHex,
  setWatchesFrames,
  writeAcl,
  XID,
  type WireAcl,
} from './records';
import { WatchRegistry, type WatchKind, type WireWatcher } from './watch-registry';

export interface ZkSessionOptions {
  servers: readonly ZkServerAddress[];
  /** Prefix of every path on the server ('' for none). */
  chroot: string;
  /** Requested session timeout; the server picks the negotiated one. */
  sessionTimeoutMs: number;
  /** Credentials sent on every connection of this session, before any request. */
  auth: readonly { scheme: string; auth: Buffer }[];
  /** Resume this session instead of opening one (id and password as `sessionId` / `sessionPassword` give them). */
  resume?: { id: string; password: string };
  /** Shuffle the server list once, as ZooKeeper's clients do, so clients spread over the ensemble. @default true */
  shuffle?: boolean;
}

/** What a ZkSession reports. */
export interface ZkSessionEvents {
  /** A connection is up and the session is valid on it (`resumed`: the same session as before). */
  connected: [info: { sessionId: string; timeoutMs: number; server: string; resumed: boolean }];
  /** The connection dropped; the session may still live. The session keeps trying the servers. */
  disconnected: [reason: string];
  /** A server said the session is gone. Terminal. */
  expired: [];
  /** A server refused our credentials. Terminal. */
  authFailed: [];
  /** `close()` finished. Terminal. */
  closed: [];
}

/** The surface ZookeeperClient uses; a fake implements it in unit tests. */
export interface ZkSessionHandle {
  readonly sessionId: string;
  readonly sessionPassword: string;
  /** `host:port` of the server this session is connected to, undefined while not connected. */
  readonly connectedServer: string | undefined;
  on<E extends keyof ZkSessionEvents>(event: E, listener: (...args: ZkSessionEvents[E]) => void): this;
  start(): void;
  close(): Promise<void>;
  create(path: string, data: Buffer, acl: readonly WireAcl[], flags: number): Promise<string>;
  exists(path: string, watcher?: WireWatcher): Promise<ZkStat | null>;
  getData(path: string, watcher?: WireWatcher): Promise<{ data: Buffer; stat: ZkStat }>;
  getChildren(path: string, watcher?: WireWatcher): Promise<{ children: string[]; stat: ZkStat }>;
  setData(path: string, data: Buffer, version: number): Promise<ZkStat>;
  delete(path: string, version: number): Promise<void>;
  getAcl(path: string): Promise<{ acl: WireAcl[]; stat: ZkStat }>;
  setAcl(path: string, acl: readonly WireAcl[], version: number): Promise<ZkStat>;
  addAuth(scheme: string, auth: Buffer): Promise<void>;
  sync(path: string): Promise<void>;
}

export type SessionState = 'idle' | 'connecting' | 'connected' | 'expired' | 'authFailed' | 'closed';

interface Pending {
  xid: number;
  op: string;
  path: string;
  read: (r: JuteReader) => unknown;
  /** Codes other than 0 that still resolve (exists on a missing node). */
  okCodes?: Record<number, unknown>;
  watch?: { kind: (rc: number) => WatchKind | undefined; path: string; watcher: WireWatcher };
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * One ZooKeeper session spoken over ZooKeeper's own TCP protocol (jute
 * frames), in TypeScript: no native code.
 *
 * Guarantees: requests are answered in the order they were sent (the server
 * processes a session's requests in order); a watch registered by a read is
 * armed before that read resolves, fires at most once, and survives a
 * reconnect to the same session (re-registered with SetWatches, which fires
 * at once any watch whose node changed meanwhile); a connection never
 * resumes on a server that has seen less than this client (the last zxid is
 * sent on connect and a server that is behind refuses it). When the
 * connection drops, every request in flight fails with ZCONNECTIONLOSS
 * (retryable) and the session tries the next server, backing off after each
 * full round; it ends only when a server reports it expired, our credentials
 * are refused, or `close()` is called.
 *
 * Lifecycle: `start()` once; `close()` is safe to call twice and ends the
 * session on the server when connected (ephemeral nodes go at once). Every
 * state change passes through one `setState()`, which logs it
 * (`zookeeper session state: connecting -> connected`, with the server, the
 * session id and the reason) and exposes it as {@link currentState}.
 */
export class ZkSession extends EventEmitter implements ZkSessionHandle {
  private state: SessionState = 'idle';
  private readonly hosts: ZkServerAddress[];
  private hostIndex = 0;
  private failedInRound = 0;
  private round = 0;
  private socket: Socket | undefined;
  private server = '';
  private inbound: Buffer = Buffer.alloc(0);
  private handshaken = false;
  private pending: Pending[] = [];
  private authWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly auth: { scheme: string; auth: Buffer }[];
  private readonly watches = new WatchRegistry();
  private xid = 1;
  private lastZxid = 0n;
  private id = 0n;
  private password: Buffer = Buffer.alloc(16);
  private negotiatedMs: number;
  private lastSend = 0;
  private lastRecv = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private closeRequested = false;

  constructor(
    private readonly options: ZkSessionOptions,
    private readonly logger: JsonLogger,
  ) {
    super();
    if (options.servers.length === 0) throw new Error('ZkSession: no servers');
    this.hosts = [...options.servers];
    if (options.shuffle !== false) {
      for (let i = this.hosts.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [this.hosts[i], this.hosts[j]] = [this.hosts[j] as ZkServerAddress, this.hosts[i] as ZkServerAddress];
      }
    }
    this.auth = [...options.auth];
    this.negotiatedMs = options.sessionTimeoutMs;
    if (options.resume) {
      this.id = BigInt.asIntN(64, BigInt(`0x${options.resume.id}`));
      this.password = Buffer.from(options.resume.password, 'hex');
    }
  }

  /** Hex session id ('' before the first connect). */
  get sessionId(): string {
    return this.id === 0n ? '' : sessionIdHex(this.id);
  }

  /** Hex session password ('' before the first connect). */
  get sessionPassword(): string {
    return this.id === 0n ? '' : this.password.toString('hex');
  }

  get connectedServer(): string | undefined {
    return this.state === 'connected' ? this.server : undefined;
  }

  /** Watches currently armed on the client side. */
  get armedWatches(): number {
    return this.watches.size;
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`ZkSession.start() called when ${this.state}`);
    this.setState('connecting', 'start');
    this.connectNext();
  }

  /** The session's state now: idle, connecting, connected, or one of the terminal expired / authFailed / closed. */
  get currentState(): SessionState {
    return this.state;
  }

  /** The one place the state changes; every transition is logged. */
  private setState(next: SessionState, reason: string): void {
    const from = this.state;
    if (from === next) return;
    this.state = next;
    this.logger.debug(
      {
        component: 'zookeeper',
        from,
        to: next,
        server: this.server || undefined,
        sessionId: this.id === 0n ? undefined : this.sessionId,
        reason,
      },
      `zookeeper session state: ${from} -> ${next}`,
    );
  }

  // --- connection ------------------------------------------------------------

  private connectNext(): void {
    if (this.state !== 'connecting') return;
    const host = this.hosts[this.hostIndex % this.hosts.length] as ZkServerAddress;
    this.hostIndex++;
    this.server = host.host.includes(':') ? `[${host.host}]:${host.port}` : `${host.host}:${host.port}`;
    this.handshaken = false;
    this.inbound = Buffer.alloc(0);
    const socket = connect({ host: host.host, port: host.port });
    this.socket = socket;
    socket.setNoDelay(true);
    // Java's client gives each server sessionTimeout / servers to answer the handshake.
    const connectTimeoutMs = Math.max(500, Math.floor(this.options.sessionTimeoutMs / this.hosts.length));
    this.connectTimer = setTimeout(() => socket.destroy(new Error(`no handshake within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    let failure = 'closed by the server';
    socket.on('connect', () => {
      socket.write(
        connectRequestFrame({
          lastZxidSeen: this.lastZxid,
          timeoutMs: this.options.sessionTimeoutMs,
          sessionId: this.id,
          password: this.password,
        }),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      try {
        this.onData(chunk);
      } catch (e) {
        socket.destroy(e as Error);
      }
    });
    socket.on('error', (e: Error) => {
      failure = e.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.onSocketClosed(failure);
    });
  }

  private onSocketClosed(reason: string): void {
    const wasConnected = this.state === 'connected';
    this.socket = undefined;
    if (this.closeRequested) {
      this.end('closed');
      return;
    }
    this.clearTimers();
    this.failPending(`connection to ${this.server} lost: ${reason}`);
    if (wasConnected) {
      this.setState('connecting', reason);
      this.logger.warn({ component: 'zookeeper', server: this.server, sessionId: this.sessionId, reason }, 'zookeeper connection lost');
      this.failedInRound = 0;
      this.tell('disconnected', reason);
    }
    if (this.state !== 'connecting') return;
    if (!wasConnected) {
      this.logger.debug({ component: 'zookeeper', server: this.server, reason }, 'zookeeper server did not take the session');
      this.failedInRound++;
    }
    if (this.failedInRound >= this.hosts.length) {
      // A full round without a session: back off (bounded), with jitter, before the next round.
      this.failedInRound = 0;
      this.round++;
      const delay = Math.min(1000, 50 * 2 ** Math.min(this.round, 5)) * (0.5 + Math.random() / 2);
      this.retryTimer = setTimeout(() => this.connectNext(), delay);
    } else {
      // Right after a drop, a short random pause spreads reconnecting clients over time.
      const delay = wasConnected ? Math.random() * 50 : 0;
      this.retryTimer = setTimeout(() => this.connectNext(), delay);
    }
  }

  private onData(chunk: Buffer): void {
    this.lastRecv = Date.now();
    this.inbound = this.inbound.length === 0 ? chunk : Buffer.concat([this.inbound, chunk]);
    while (this.inbound.length >= 4) {
      const len = this.inbound.readInt32BE(0);
      if (len < 0 || len > 64 * 1024 * 1024) throw new Error(`frame length ${len}`);
      if (this.inbound.length < 4 + len) break;
      const frame = this.inbound.subarray(4, 4 + len);
      this.inbound = this.inbound.subarray(4 + len);
      if (!this.handshaken) this.onHandshake(frame);
      else this.onReply(frame);
      if (!this.socket) return;
    }
  }

  private onHandshake(frame: Buffer): void {
    this.handshaken = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    const res = readConnectResponse(frame);
    if (res.timeoutMs <= 0) {
      this.logger.warn({ component: 'zookeeper', server: this.server, sessionId: this.sessionId }, 'zookeeper session expired');
      this.end('expired');
      return;
    }
    const resumed = this.id !== 0n && res.sessionId === this.id;
    this.id = res.sessionId;
    this.password = res.password;
    this.negotiatedMs = res.timeoutMs;
    this.setState('connected', resumed ? 'session resumed' : 'session established');
    this.failedInRound = 0;
    this.round = 0;
    this.lastRecv = Date.now();
    for (const a of this.auth) {
      // Auth replies come back in order (xid -4); a placeholder keeps later addAuth() calls matched to theirs.
      this.authWaiters.push({ resolve: () => undefined, reject: () => undefined });
      this.send(requestWriter(XID.auth, OP.auth).int(0).string(a.scheme).buffer(a.auth).frame());
    }
    if (resumed) {
      const p = this.watches.paths();
      for (const f of setWatchesFrames(
        this.lastZxid,
        this.toServerPaths(p.data),
        this.toServerPaths(p.exist),
        this.toServerPaths(p.child),
      )) {
        this.send(f);
      }
    }
    this.startHeartbeat();
    this.logger.debug(
      { component: 'zookeeper', server: this.server, sessionId: this.sessionId, timeoutMs: res.timeoutMs, resumed },
      'zookeeper connected',
    );
    this.tell('connected', { sessionId: this.sessionId, timeoutMs: res.timeoutMs, server: this.server, resumed });
  }

  private onReply(frame: Buffer): void {
    const r = new JuteReader(frame);
    const header = readReplyHeader(r);
    switch (header.xid) {
      case XID.ping:
      case XID.setWatches:
        return;
      case XID.notification: {
        const ev = readWatcherEvent(r);
        const path = this.fromServerPath(ev.path);
        for (const w of this.watches.take(ev.type, path)) this.deliver(w, ev.type, path);
        return;
      }
      case XID.auth: {
        const waiter = this.authWaiters.shift();
        if (header.err === 0) {
          waiter?.resolve();
          return;
        }
        this.logger.error({ component: 'zookeeper', server: this.server, err: header.err }, 'zookeeper refused our credentials');
        waiter?.reject(new ZkError(ZK_CODES.ZAUTHFAILED, 'addAuth', ''));
        this.end('authFailed');
        return;
      }
    }
    const p = this.pending.shift();
    if (!p || p.xid !== header.xid) {
      throw new Error(`reply xid ${header.xid} does not match the oldest request (${p ? p.xid : 'none'})`);
    }
    if (header.zxid > 0n && header.zxid > this.lastZxid) this.lastZxid = header.zxid;
    if (header.err !== 0 && !(p.okCodes && header.err in p.okCodes)) {
      p.reject(new ZkError(header.err, p.op, p.path));
      return;
    }
    let value: unknown;
    try {
      value = header.err === 0 ? p.read(r) : p.okCodes?.[header.err];
    } catch (e) {
      p.reject(new ZkError(ZK_CODES.ZMARSHALLINGERROR, p.op, p.path, (e as Error).message));
      throw e;
    }
    const kind = p.watch?.kind(header.err);
    if (p.watch && kind) this.watches.add(kind, p.watch.path, p.watch.watcher);
    p.resolve(value);
  }

  /** Emits to listeners; a listener that throws is logged and never breaks the connection. */
  private tell<E extends keyof ZkSessionEvents>(event: E, ...args: ZkSessionEvents[E]): void {
    for (const listener of this.rawListeners(event) as ((...a: ZkSessionEvents[E]) => void)[]) {
      try {
        listener(...args);
      } catch (e) {
        this.logger.error({ component: 'zookeeper', event, err: (e as Error).message }, 'a session listener threw');
      }
    }
  }

  private deliver(w: WireWatcher, type: number, path: string): void {
    try {
      w({ type, path });
    } catch (e) {
      this.logger.error({ component: 'zookeeper', path, err: (e as Error).message }, 'a watcher threw');
    }
  }

  private startHeartbeat(): void {
    // Java's client: read timeout 2/3 of the session timeout, a ping after half of that idle.
    const readTimeout = Math.floor((this.negotiatedMs * 2) / 3);
    const tick = Math.max(50, Math.floor(readTimeout / 6));
    this.heartbeat = setInterval(() => {
      const now = Date.now();
      if (now - this.lastRecv > readTimeout) {
        this.socket?.destroy(new Error(`no answer from the server for ${now - this.lastRecv} ms`));
        return;
      }
      if (now - this.lastSend >= readTimeout / 2) this.send(requestWriter(XID.ping, OP.ping).frame());
    }, tick);
  }

  private clearTimers(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.heartbeat = this.connectTimer = this.retryTimer = undefined;
  }

  private failPending(detail: string): void {
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) p.reject(new ZkError(ZK_CODES.ZCONNECTIONLOSS, p.op, p.path, detail));
    const auths = this.authWaiters;
    this.authWaiters = [];
    for (const a of auths) a.reject(new ZkError(ZK_CODES.ZCONNECTIONLOSS, 'addAuth', '', detail));
  }

  /** Terminal: the session is over (expired, refused, closed). Every watcher hears a session event once. */
  private end(state: 'expired' | 'authFailed' | 'closed'): void {
    if (this.state === 'expired' || this.state === 'authFailed' || this.state === 'closed') return;
    this.setState(state, state === 'closed' ? 'close() called' : `server said ${state}`);
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    this.failPending(`session ${state}`);
    for (const w of this.watches.takeAll()) this.deliver(w, -1, '');
    this.tell(state);
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closeRequested = true;
    this.closing = (async () => {
      const socket = this.socket;
      if (this.state === 'connected' && socket) {
        // closeSession: the server ends the session now (its ephemeral nodes go) and answers.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          this.request(
            'closeSession',
            '',
            OP.closeSession,
            () => undefined,
            () => undefined,
          ).then(
            () => {
              clearTimeout(timer);
              resolve();
            },
            () => undefined,
          );
        });
      }
      if (this.state === 'expired' || this.state === 'authFailed') {
        this.setState('closed', 'close() called');
        this.tell('closed');
        return;
      }
      this.end('closed');
    })();
    return this.closing;
  }

  // --- requests ----------------------------------------------------------------

  private send(frame: Buffer): void {
    this.lastSend = Date.now();
    this.socket?.write(frame);
  }

  private toServerPath(path: string): string {
    if (!this.options.chroot) return path;
    return path === '/' ? this.options.chroot : this.options.chroot + path;
  }

  private toServerPaths(paths: string[]): string[] {
    return paths.map((p) => this.toServerPath(p));
  }

  private fromServerPath(path: string): string {
    const c = this.options.chroot;
    if (!c || !path.startsWith(c)) return path;
    return path.length === c.length ? '/' : path.slice(c.length);
  }

  private request<T>(
    op: string,
    path: string,
    code: number,
    body: (w: JuteWriter) => void,
    read: (r: JuteReader) => T,
    extra: Pick<Pending, 'okCodes' | 'watch'> = {},
  ): Promise<T> {
    if (this.state !== 'connected' || !this.socket) {
      const closed = this.state === 'closed' || this.state === 'expired' || this.state === 'authFailed';
      return Promise.reject(
        new ZkError(closed ? ZK_CODES.ZSESSIONEXPIRED : ZK_CODES.ZCONNECTIONLOSS, op, path, `session is ${this.state}`),
      );
    }
    const xid = this.xid++;
    if (this.xid > 0x7fffff00) this.xid = 1;
    const w = requestWriter(xid, code);
    body(w);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ xid, op, path, read, resolve: resolve as (v: unknown) => void, reject, ...extra });
      this.send(w.frame());
    });
  }

  create(path: string, data: Buffer, acl: readonly WireAcl[], flags: number): Promise<string> {
    const container = flags === 4;
    return this.request(
      'create',
      path,
      container ? OP.createContainer : OP.create,
      (w) =>
        w
          .string(this.toServerPath(path))
          .buffer(data)
          .vector(acl, (ww, a) => writeAcl(ww, a))
          .int(flags),
      (r) => {
        const created = this.fromServerPath(r.string() ?? path);
        if (container) readStat(r);
        return created;
      },
    );
  }

  exists(path: string, watcher?: WireWatcher): Promise<ZkStat | null> {
    return this.request(
      'exists',
      path,
      OP.exists,
      (w) => w.string(this.toServerPath(path)).bool(watcher !== undefined),
      (r) => readStat(r),
      {
        okCodes: { [ZK_CODES.ZNONODE]: null },
        ...(watcher ? { watch: { kind: (rc) => (rc === 0 ? 'data' : rc === ZK_CODES.ZNONODE ? 'exist' : undefined), path, watcher } } : {}),
      },
    );
  }

  getData(path: string, watcher?: WireWatcher): Promise<{ data: Buffer; stat: ZkStat }> {
    return this.request(
      'getData',
      path,
      OP.getData,
      (w) => w.string(this.toServerPath(path)).bool(watcher !== undefined),
      (r) => ({ data: r.buffer() ?? Buffer.alloc(0), stat: readStat(r) }),
      watcher ? { watch: { kind: (rc) => (rc === 0 ? 'data' : undefined), path, watcher } } : {},
    );
  }

  getChildren(path: string, watcher?: WireWatcher): Promise<{ children: string[]; stat: ZkStat }> {
    return this.request(
      'getChildren',
      path,
      OP.getChildren2,
      (w) => w.string(this.toServerPath(path)).bool(watcher !== undefined),
      (r) => ({ children: (r.vector((rr) => rr.string() ?? '') ?? []).sort(), stat: readStat(r) }),
      watcher ? { watch: { kind: (rc) => (rc === 0 ? 'child' : undefined), path, watcher } } : {},
    );
  }

  setData(path: string, data: Buffer, version: number): Promise<ZkStat> {
    return this.request(
      'setData',
      path,
      OP.setData,
      (w) => w.string(this.toServerPath(path)).buffer(data).int(version),
      (r) => readStat(r),
    );
  }

  delete(path: string, version: number): Promise<void> {
    return this.request(
      'delete',
      path,
      OP.delete,
      (w) => w.string(this.toServerPath(path)).int(version),
      () => undefined,
    );
  }

  getAcl(path: string): Promise<{ acl: WireAcl[]; stat: ZkStat }> {
    return this.request(
      'getAcl',
      path,
      OP.getACL,
      (w) => w.string(this.toServerPath(path)),
      (r) => ({ acl: r.vector((rr) => readAcl(rr)) ?? [], stat: readStat(r) }),
    );
  }

  setAcl(path: string, acl: readonly WireAcl[], version: number): Promise<ZkStat> {
    return this.request(
      'setAcl',
      path,
      OP.setACL,
      (w) =>
        w
          .string(this.toServerPath(path))
          .vector(acl, (ww, a) => writeAcl(ww, a))
          .int(version),
      (r) => readStat(r),
    );
  }

  /** Adds credentials to this session: sent now and again on every later connection. */
  addAuth(scheme: string, auth: Buffer): Promise<void> {
    if (this.state !== 'connected' || !this.socket) {
      return Promise.reject(new ZkError(ZK_CODES.ZCONNECTIONLOSS, 'addAuth', scheme, `session is ${this.state}`));
    }
    this.auth.push({ scheme, auth });
    return new Promise<void>((resolve, reject) => {
      this.authWaiters.push({ resolve, reject });
      this.send(requestWriter(XID.auth, OP.auth).int(0).string(scheme).buffer(auth).frame());
    });
  }

  sync(path: string): Promise<void> {
    return this.request(
      'sync',
      path,
      OP.sync,
      (w) => w.string(this.toServerPath(path)),
      () => undefined,
    );
  }
}
