import { createJsonLogger } from '@dsp/service-defaults';
import type { ConnectionState, ConnectionStateChange, ConnectionStateListener } from '../connection-state';
import { ZK_CODES, ZkError } from '../zk-error';
import type { ZkStat } from '../zk-types';
import type { ZookeeperClient } from '../zookeeper-client';
import { InterProcessMutex } from './inter-process-mutex.recipe';
import { LeaderLatch } from './leader-latch.recipe';

const logger = createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'silent' });

/**
 * An in-memory ZooKeeper tree behind the client API the recipes use, shared by
 * several fake clients (one session each). A test drives connection states
 * with `emit` and ends a session with `expire` (its ephemerals go).
 */
class FakeEnsemble {
  readonly nodes = new Map<string, { owner: string; czxid: number }>();
  private zxid = 100;
  private seq = 0;
  private readonly watchers = new Map<string, ((e: { type: string; path: string }) => void)[]>();

  create(path: string, owner: string, sequential: boolean): string {
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (parent && !this.nodes.has(parent)) throw new ZkError(ZK_CODES.ZNONODE, 'create', path);
    const full = sequential ? `${path}${String(this.seq++).padStart(10, '0')}` : path;
    this.nodes.set(full, { owner, czxid: ++this.zxid });
    this.fire(parent);
    return full;
  }

  delete(path: string): void {
    if (!this.nodes.delete(path)) throw new ZkError(ZK_CODES.ZNONODE, 'delete', path);
    this.fire(path);
    this.fire(path.slice(0, path.lastIndexOf('/')));
  }

  children(path: string): string[] {
    return [...this.nodes.keys()]
      .filter((p) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/'))
      .map((p) => p.slice(path.length + 1));
  }

  watch(path: string, w: (e: { type: string; path: string }) => void): void {
    this.watchers.set(path, [...(this.watchers.get(path) ?? []), w]);
  }

  private fire(path: string): void {
    const ws = this.watchers.get(path) ?? [];
    this.watchers.delete(path);
    for (const w of ws) w({ type: 'CHANGED', path });
  }

  dropEphemeralsOf(owner: string): void {
    for (const [p, n] of [...this.nodes]) if (n.owner === owner) this.delete(p);
  }
}

class FakeClient {
  sessionId: string;
  private readonly listeners = new Set<ConnectionStateListener>();
  state: ConnectionState = 'CONNECTED';

  constructor(
    private readonly zk: FakeEnsemble,
    session: string,
  ) {
    this.sessionId = session;
  }

  emit(to: ConnectionState, newSession = false): void {
    const c: ConnectionStateChange = { from: this.state, to, newSession, sessionId: this.sessionId };
    this.state = to;
    for (const l of [...this.listeners]) l(c);
  }

  /** The session ends: its ephemerals go, LOST is heard, then a new session connects. */
  expire(newSession: string): void {
    this.zk.dropEphemeralsOf(this.sessionId);
    this.emit('LOST');
    this.sessionId = newSession;
    this.emit('RECONNECTED', true);
  }

  onStateChange(l: ConnectionStateListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  waitConnected(): Promise<void> {
    return Promise.resolve();
  }
  async mkdirp(path: string): Promise<void> {
    let at = '';
    for (const part of path.split('/').filter(Boolean)) {
      at += `/${part}`;
      if (!this.zk.nodes.has(at)) this.zk.create(at, '0', false);
    }
  }
  async create(path: string, _data: unknown, mode: string): Promise<string> {
    return this.zk.create(path, mode.startsWith('EPHEMERAL') ? this.sessionId : '0', mode.endsWith('SEQUENTIAL'));
  }
  async getChildren(path: string): Promise<string[]> {
    return this.zk.children(path);
  }
  async exists(path: string, watcher?: (e: { type: string; path: string }) => void): Promise<ZkStat | null> {
    const n = this.zk.nodes.get(path);
    if (watcher) this.zk.watch(path, watcher);
    return n ? ({ czxid: String(n.czxid), ephemeralOwner: n.owner } as ZkStat) : null;
  }
  async delete(path: string): Promise<void> {
    this.zk.delete(path);
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

describe('LeaderLatch (state transitions, on a fake client)', () => {
  function two() {
    const zk = new FakeEnsemble();
    const ca = new FakeClient(zk, '0xa');
    const cb = new FakeClient(zk, '0xb');
    const a = new LeaderLatch(ca as unknown as ZookeeperClient, 'relay', 'a', logger);
    const b = new LeaderLatch(cb as unknown as ZookeeperClient, 'relay', 'b', logger);
    return { zk, ca, cb, a, b };
  }

  it('should make the first participant leader, with a fencing token, and the second a follower', async () => {
    const { a, b } = two();
    await a.start();
    await b.start();
    expect([a.hasLeadership(), b.hasLeadership()]).toEqual([true, false]);
    expect(a.fencingToken()).toBeGreaterThan(0n);
    expect(b.fencingToken()).toBeUndefined();
  });

  it('should give up leadership at once on SUSPENDED, and take it back on RECONNECTED in the same session', async () => {
    const { a, ca } = two();
    const seen: boolean[] = [];
    a.onLeadershipChange((l) => seen.push(l));
    await a.start();
    ca.emit('SUSPENDED');
    expect(a.hasLeadership()).toBe(false);
    ca.emit('RECONNECTED');
    await settle();
    expect(a.hasLeadership()).toBe(true);
    expect(seen).toEqual([true, false, true]);
  });

  it('should hand leadership to the next participant when the leader’s session is LOST, and rejoin behind it with a larger token', async () => {
    const { a, b, ca } = two();
    await a.start();
    await b.start();
    const first = a.fencingToken() as bigint;
    ca.expire('0xa2');
    await settle();
    expect([a.hasLeadership(), b.hasLeadership()]).toEqual([false, true]);
    expect(b.fencingToken() as bigint).toBeGreaterThan(first);
    await b.close();
    await settle();
    expect(a.hasLeadership()).toBe(true); // rejoined with a node of its new session
  });
});

describe('InterProcessMutex (state transitions, on a fake client)', () => {
  it('should grant in request order, each with a larger fencing token', async () => {
    const zk = new FakeEnsemble();
    const m1 = new InterProcessMutex(new FakeClient(zk, '0x1') as unknown as ZookeeperClient, 'sale', logger);
    const m2 = new InterProcessMutex(new FakeClient(zk, '0x2') as unknown as ZookeeperClient, 'sale', logger);
    const t1 = await m1.acquire(1000);
    const second = m2.acquire(1000);
    await settle();
    expect(m2.isHeld).toBe(false);
    await m1.release();
    const t2 = await second;
    expect(t2 as bigint).toBeGreaterThan(t1 as bigint);
    expect(m2.isHeld).toBe(true);
  });

  it('should tell the holder on SUSPENDED that the lock may be lost, and drop the grant on LOST', async () => {
    const zk = new FakeEnsemble();
    const c = new FakeClient(zk, '0x1');
    const m = new InterProcessMutex(c as unknown as ZookeeperClient, 'sale', logger);
    const heard: string[] = [];
    m.onLoss((r) => heard.push(r));
    await m.acquire(1000);
    c.emit('SUSPENDED');
    expect(heard).toEqual(['SUSPENDED']);
    expect(m.isHeld).toBe(true); // may still be held: the holder must stop writing, not assume it is gone
    c.expire('0x1b');
    expect(heard).toEqual(['SUSPENDED', 'LOST']);
    expect(m.isHeld).toBe(false);
    expect(() => m.fencingToken).toThrow('not held');
  });

  it('should give up after the timeout without leaving a node in the queue', async () => {
    const zk = new FakeEnsemble();
    const m1 = new InterProcessMutex(new FakeClient(zk, '0x1') as unknown as ZookeeperClient, 'sale', logger);
    const m2 = new InterProcessMutex(new FakeClient(zk, '0x2') as unknown as ZookeeperClient, 'sale', logger);
    await m1.acquire(1000);
    await expect(m2.acquire(50)).resolves.toBeUndefined();
    expect(zk.children('/locks/sale')).toHaveLength(1);
  });

  it('should not grant a node that belongs to a session other than the current one', async () => {
    const zk = new FakeEnsemble();
    const c = new FakeClient(zk, '0x1');
    const m = new InterProcessMutex(c as unknown as ZookeeperClient, 'sale', logger);
    const realCreate = c.create.bind(c);
    c.create = async (path, data, mode) => {
      const p = await realCreate(path, data, mode);
      c.sessionId = '0x9'; // the session changed between the create and the grant
      return p;
    };
    await expect(m.acquire(1000)).rejects.toThrow('not owned by the current session');
    expect(zk.children('/locks/sale')).toHaveLength(0);
  });
});
