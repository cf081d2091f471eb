import { randomUUID } from 'node:crypto';
import { znodePaths } from '@dsp/contracts';
import { connectedZk, eventually, expireSession, testLogger, waitForNewSession } from '@dsp/testing';
import {
  InterProcessMutex,
  LeaderLatch,
  ServiceRegistry,
  type ConnectionStateChange,
  type LockLossReason,
  type ZookeeperClient,
} from '@dsp/zookeeper';

/**
 * Session expiry forced for real: a second handle joins the session with its
 * id and password and closes it. The owner's next contact with the ensemble
 * learns that the session expired.
 */
describe('session expiry (forced on the real ensemble)', () => {
  const clients: ZookeeperClient[] = [];
  const zk = async (): Promise<ZookeeperClient> => {
    const c = await connectedZk({ sessionTimeoutMs: 4000 });
    clients.push(c);
    return c;
  };

  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  describe('when a registered instance loses its session', () => {
    it('should report LOST, open a new session, and register again under it', async () => {
      const client = await zk();
      const observer = await zk();
      const changes: ConnectionStateChange[] = [];
      client.onStateChange((c) => changes.push(c));
      const name = `it-expiry-${randomUUID().slice(0, 8)}`;
      const registry = new ServiceRegistry(
        client,
        { id: 'instance-1', name, address: '127.0.0.1', port: 1234, zone: 'local', tags: [], version: '1' },
        testLogger(),
      );
      await registry.register();
      const path = znodePaths.serviceInstance(name, 'instance-1');
      await observer.sync(path); // another client's write, maybe through another server
      const firstOwner = (await observer.exists(path))?.ephemeralOwner;
      expect(firstOwner).toBe(client.sessionId);

      const renewed = waitForNewSession(client);
      await expireSession(client);
      await renewed;
      // (A same-session SUSPENDED -> RECONNECTED may come first: the intruder bumps the owner's connection.)
      const lost = changes.findIndex((c) => c.to === 'LOST');
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(changes.slice(lost + 1).find((c) => c.to === 'RECONNECTED')?.newSession).toBe(true);

      await eventually(async () => {
        const stat = await observer.exists(path);
        expect(stat?.ephemeralOwner).toBe(client.sessionId);
        expect(stat?.ephemeralOwner).not.toBe(firstOwner);
      });
      await registry.unregister();
    });
  });

  describe('when a node from an older session of the same instance is still there', () => {
    it('should delete the stale node and register its own', async () => {
      const oldSession = await zk();
      const client = await zk();
      const name = `it-stale-${randomUUID().slice(0, 8)}`;
      const path = znodePaths.serviceInstance(name, 'instance-1');
      await oldSession.mkdirp(znodePaths.service(name));
      await oldSession.create(path, '{"stale":true}', 'EPHEMERAL');
      const registry = new ServiceRegistry(
        client,
        { id: 'instance-1', name, address: '127.0.0.1', port: 1, zone: 'local', tags: [], version: '1' },
        testLogger(),
      );
      await registry.register();
      expect((await client.exists(path))?.ephemeralOwner).toBe(client.sessionId);
      await registry.unregister();
    });
  });

  describe('when someone deletes the registration by hand', () => {
    it('should notice through its watch and recreate it', async () => {
      const client = await zk();
      const admin = await zk();
      const name = `it-audit-${randomUUID().slice(0, 8)}`;
      const registry = new ServiceRegistry(
        client,
        { id: 'i', name, address: '127.0.0.1', port: 1, zone: 'local', tags: [], version: '1' },
        testLogger(),
        { auditIntervalMs: 60_000 },
      );
      await registry.register();
      const path = znodePaths.serviceInstance(name, 'i');
      await admin.delete(path);
      await eventually(async () => expect((await admin.exists(path))?.ephemeralOwner).toBe(client.sessionId), 5000);
      await registry.unregister();
    });
  });

  describe('when the holder of a lock loses its session', () => {
    it('should tell the holder the lock is LOST, and let the next contender in with a higher fencing token', async () => {
      const holderZk = await zk();
      const nextZk = await zk();
      const name = `it-lock-${randomUUID().slice(0, 8)}`;
      const holder = new InterProcessMutex(holderZk, name, testLogger());
      const next = new InterProcessMutex(nextZk, name, testLogger());
      const losses: LockLossReason[] = [];
      holder.onLoss((r) => losses.push(r));
      const t1 = await holder.acquire(5000);
      expect(t1).toBeDefined();
      const waiting = next.acquire(20_000);

      await expireSession(holderZk);
      const t2 = await waiting;
      await eventually(() => expect(losses).toContain('LOST'));
      expect(holder.isHeld).toBe(false);
      expect(t2).toBeDefined();
      expect((t2 as bigint) > (t1 as bigint)).toBe(true);
      await next.release();
    });
  });

  describe('when the leader of a latch loses its session', () => {
    it('should give up leadership, and another participant should take it', async () => {
      const aZk = await zk();
      const bZk = await zk();
      const name = `it-latch-${randomUUID().slice(0, 8)}`;
      const a = new LeaderLatch(aZk, name, 'a', testLogger());
      const b = new LeaderLatch(bZk, name, 'b', testLogger());
      // What a latch can promise (Curator's too): a leader stops as soon as its client hears that the
      // session may be gone. The ensemble tells b (a watch) and a (its connection closed) separately,
      // possibly through different servers, so b may be elected a moment before a hears. Invariant:
      // two leaders only while the old one has not heard yet, and never for long.
      const leaders = new Set<string>();
      const overlaps: { oldLeaderState: string; since: number; ms?: number }[] = [];
      for (const [id, latch, other, otherZk] of [
        ['a', a, 'b', bZk],
        ['b', b, 'a', aZk],
      ] as const) {
        latch.onLeadershipChange((l) => {
          if (l) {
            if (leaders.has(other)) overlaps.push({ oldLeaderState: otherZk.state, since: Date.now() });
            leaders.add(id);
          } else {
            leaders.delete(id);
            const open = overlaps.find((o) => o.ms === undefined);
            if (open) open.ms = Date.now() - open.since;
          }
        });
      }
      await a.start();
      await b.start();
      expect(await a.awaitLeadership(5000)).toBe(true);
      expect(b.hasLeadership()).toBe(false);

      const renewed = waitForNewSession(aZk);
      await expireSession(aZk);
      expect(await b.awaitLeadership(15_000)).toBe(true);
      await renewed;
      expect(a.hasLeadership()).toBe(false);
      for (const o of overlaps) {
        expect(['CONNECTED', 'RECONNECTED']).toContain(o.oldLeaderState); // the old leader had not heard yet
        expect(o.ms).toBeLessThan(1000);
      }
      if (overlaps.length > 0)
        process.stdout.write(`latch hand-over: old leader heard ${overlaps[0]?.ms} ms after the new one was elected\n`);
      expect(b.fencingToken()).toBeDefined();
      expect(a.fencingToken()).toBeUndefined();
      await new Promise((r) => setTimeout(r, 500));
      expect(a.hasLeadership()).toBe(false); // a rejoined the line behind b
      const bToken = b.fencingToken() as bigint;
      await b.close();
      expect(await a.awaitLeadership(5000)).toBe(true);
      expect(a.fencingToken() as bigint).toBeGreaterThan(bToken);
      await a.close();
    });
  });
});
