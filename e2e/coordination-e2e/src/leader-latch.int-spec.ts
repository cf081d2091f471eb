import { randomUUID } from 'node:crypto';
import { expireSession, suiteZk, testLogger, waitForNewSession } from '@dsp/testing';
import { LeaderLatch } from '@dsp/zookeeper';

/**
 * Session expiry is forced for real: a second handle joins the session with its
 * id and password and closes it. The owner's next contact with the ensemble
 * learns that the session expired.
 */
describe('LeaderLatch on the real ensemble', () => {
  const zk = suiteZk({ sessionTimeoutMs: 4000 });

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
