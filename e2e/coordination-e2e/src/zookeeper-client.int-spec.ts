import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { connectedZk, eventually } from '@dsp/testing';
import { acl, digestId, isZkError, ZnodeCodec, ZnodeCodecError, type ZookeeperClient, type WatchEvent } from '@dsp/zookeeper';

describe('ZookeeperClient against the real ensemble (znodes, one-shot watches, ACLs, codec)', () => {
  let zk: ZookeeperClient;
  const root = `/it-znodes-${randomUUID()}`;

  beforeAll(async () => {
    zk = await connectedZk();
    await zk.create(root, 'test root', 'PERSISTENT');
  });

  afterAll(async () => {
    for (const c of await zk.getChildren(root).catch(() => [])) await zk.delete(`${root}/${c}`).catch(() => undefined);
    await zk.delete(root).catch(() => undefined);
    await zk.close();
  });

  describe('when creating each of the four node types (docs/notes.md, points 12-13)', () => {
    it('should store bytes, number sequential nodes with 10 increasing digits, and mark ephemerals with the session', async () => {
      const p = await zk.create(`${root}/persistent`, Buffer.from([0, 1, 2, 255]), 'PERSISTENT');
      expect((await zk.getData(p)).data).toEqual(Buffer.from([0, 1, 2, 255]));
      expect((await zk.exists(p))?.ephemeralOwner).toBe('0');

      const s1 = await zk.create(`${root}/ps-`, 'a', 'PERSISTENT_SEQUENTIAL');
      const s2 = await zk.create(`${root}/ps-`, 'b', 'PERSISTENT_SEQUENTIAL');
      expect(s1).toMatch(/\/ps-\d{10}$/);
      expect(Number(s2.slice(-10))).toBeGreaterThan(Number(s1.slice(-10)));

      const e = await zk.create(`${root}/eph`, 'e', 'EPHEMERAL');
      expect((await zk.exists(e))?.ephemeralOwner).toBe(zk.sessionId);
      const es = await zk.create(`${root}/es-`, 'e', 'EPHEMERAL_SEQUENTIAL');
      expect(es).toMatch(/\/es-\d{10}$/);
    });
  });

  describe('when the session that created an ephemeral node closes (docs/notes.md#n14)', () => {
    it('should remove the ephemeral node and keep the persistent one', async () => {
      const other = await connectedZk();
      const eph = await other.create(`${root}/short-lived`, 'x', 'EPHEMERAL');
      const per = await other.create(`${root}/long-lived`, 'x', 'PERSISTENT');
      // Another session's writes are read through another server: sync() first (ZooKeeper orders a
      // client's own operations, not those of two clients, so without it the read may be stale).
      await zk.sync(eph);
      expect(await zk.exists(eph)).not.toBeNull();
      await other.close();
      await zk.sync(eph);
      expect(await zk.exists(eph)).toBeNull();
      expect(await zk.exists(per)).not.toBeNull();
    });
  });

  describe('when a data watch is set once and the node changes twice', () => {
    it('should fire exactly once (one-shot), until re-armed', async () => {
      const p = await zk.create(`/it-watch-${randomUUID()}`, 'v0', 'PERSISTENT');
      const events: WatchEvent[] = [];
      await zk.getData(p, (e) => events.push(e));
      await zk.setData(p, 'v1');
      await zk.setData(p, 'v2');
      await eventually(() => expect(events).toHaveLength(1));
      await new Promise((r) => setTimeout(r, 300));
      expect(events).toEqual([{ type: 'CHANGED', path: p }]);
      await zk.getData(p, (e) => events.push(e)); // re-armed
      await zk.delete(p);
      await eventually(() => expect(events.map((e) => e.type)).toEqual(['CHANGED', 'DELETED']));
    });
  });

  describe('when a node is under a digest ACL (docs/notes.md, points 20-21, 25-26)', () => {
    const N = 25;
    const user = 'wukong';
    const password = 'wukong-pw';
    let guarded: string;

    beforeAll(async () => {
      guarded = await zk.create(`${root}/guarded`, 'v0', 'PERSISTENT');
      await zk.setAcl(guarded, [acl.world('r'), acl.digest(user, password, 'cdrwa')]);
    });

    it(`should refuse ${N}/${N} anonymous writes with NoAuth, but allow reads`, async () => {
      const anon = await connectedZk({ auth: [] });
      try {
        await anon.sync(guarded);
        expect((await anon.getData(guarded)).data.toString()).toBe('v0');
        const results = await Promise.all(
          Array.from({ length: N }, (_, i) =>
            anon.setData(guarded, `anon-${i}`).then(
              () => 'ok',
              (e: unknown) => (isZkError(e, 'ZNOAUTH') ? 'NoAuth' : String(e)),
            ),
          ),
        );
        expect(results).toEqual(Array(N).fill('NoAuth'));
        await expect(anon.create(`${guarded}/child`, 'x')).rejects.toMatchObject({ codeName: 'ZNOAUTH' });
      } finally {
        await anon.close();
      }
    });

    it(`should refuse ${N}/${N} writes with a wrong password, and accept the right one`, async () => {
      const wrong = await connectedZk({ auth: [{ scheme: 'digest', auth: `${user}:not-the-password` }] });
      const right = await connectedZk({ auth: [{ scheme: 'digest', auth: `${user}:${password}` }] });
      try {
        const results = await Promise.all(
          Array.from({ length: N }, () =>
            wrong.setData(guarded, 'x').then(
              () => 'ok',
              (e: unknown) => (isZkError(e, 'ZNOAUTH') ? 'NoAuth' : String(e)),
            ),
          ),
        );
        expect(results).toEqual(Array(N).fill('NoAuth'));
        await right.setData(guarded, 'written by the owner');
        await zk.sync(guarded);
        expect((await zk.getData(guarded)).data.toString()).toBe('written by the owner');
      } finally {
        await wrong.close();
        await right.close();
      }
    });

    it('should compute the same digest id that ZooKeeper stores for `addauth digest` + `auth` ACL', async () => {
      const owner = await connectedZk({ auth: [{ scheme: 'digest', auth: `${user}:${password}` }] });
      try {
        const p = await owner.create(`${root}/auth-acl`, 'x', 'PERSISTENT');
        await owner.setAcl(p, [acl.auth('cdrwa')]);
        const { acl: stored } = await owner.getAcl(p);
        expect(stored).toEqual([{ scheme: 'digest', id: digestId(user, password), perms: 31 }]);
      } finally {
        await owner.close();
      }
    });
  });

  describe('when a reader meets a payload written with another schema (docs/notes.md, points 31-32)', () => {
    it('should raise a clear error naming the path instead of a wrong object', async () => {
      const v2writer = new ZnodeCodec('instance', { 2: z.object({ schemaVersion: z.literal(2), host: z.string() }) }, 2);
      const v1reader = new ZnodeCodec('instance', { 1: z.object({ schemaVersion: z.literal(1), address: z.string() }) }, 1);
      const p = await zk.create(`${root}/codec`, v2writer.encode({ schemaVersion: 2, host: 'h' }), 'PERSISTENT');
      const { data } = await zk.getData(p);
      expect(() => v1reader.decode(p, data)).toThrow(ZnodeCodecError);
      expect(() => v1reader.decode(p, data)).toThrow(`znode ${p}: unknown instance schemaVersion 2 (this reader knows 1)`);
    });
  });
});
