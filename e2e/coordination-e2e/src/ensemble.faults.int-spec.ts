import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { compareVotes, electionNotifications, stackRunning, zkNodeState, ZK_SERVERS, type ZkNodeState } from '@dsp/infra-stack';
import { stackControl } from '@dsp/ops';
import { connectedZk, eventually, OPERATOR_AUTH, testLogger, waitServing } from '@dsp/testing';
import {
  ConfigCenter,
  ConfigWriter,
  ServiceDiscovery,
  ServiceRegistry,
  type ConnectionStateChange,
  type ZookeeperClient,
} from '@dsp/zookeeper';

const WRITER = { user: 'config-admin', password: 'config-admin-local-pw' };
const voters = ZK_SERVERS.filter((s) => !s.observer);
const observer = ZK_SERVERS.find((s) => s.observer);

async function states(): Promise<ZkNodeState[]> {
  return (await Promise.all(ZK_SERVERS.map((s) => zkNodeState(s)))).filter((s): s is ZkNodeState => s !== undefined);
}

async function leader(): Promise<ZkNodeState> {
  return eventually(async () => {
    const leaders = (await states()).filter((s) => s.mode === 'leader');
    if (leaders.length !== 1) throw new Error(`${leaders.length} leaders`);
    return leaders[0] as ZkNodeState;
  }, 30_000);
}

/** Restarts every ZooKeeper server that is down, whatever a test did. */
async function healEnsemble(): Promise<void> {
  for (const s of ZK_SERVERS) {
    if (stackControl.pid(`zk-${s.myid}`) === undefined) await stackControl.restart(`zk-${s.myid}`);
  }
  await leader();
  // Leave the ensemble as found: every server serving clients, not just reporting a mode.
  for (const s of ZK_SERVERS) await waitServing(s.clientPort);
}

describe('ZooKeeper ensemble under faults (docs/notes.md, points 7-10, 33, 35, docs/notes.md#nQ)', () => {
  const clients: ZookeeperClient[] = [];
  const zk = async (connectString?: string): Promise<ZookeeperClient> => {
    const c = await connectedZk({ sessionTimeoutMs: 6000, ...(connectString ? { connectString } : {}) });
    clients.push(c);
    return c;
  };

  beforeAll(() => {
    if (!stackRunning()) throw new Error('the stack must be running');
  });

  afterEach(async () => {
    await healEnsemble();
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  describe('when the leader is killed with SIGKILL', () => {
    it('should elect the survivor with the highest (epoch, zxid, myid), and clients keep their session, registration and config', async () => {
      const name = `it-failover-${randomUUID().slice(0, 8)}`;
      const client = await zk();
      const changes: ConnectionStateChange[] = [];
      client.onStateChange((c) => changes.push(c));
      const sessionBefore = client.sessionId;
      const registry = new ServiceRegistry(
        client,
        { id: 'i1', name, address: '127.0.0.1', port: 1, zone: 'local', tags: [], version: '1' },
        testLogger(),
      );
      await registry.register();

      const before = await leader();
      const killedAt = new Date(Date.now() - 5);
      stackControl.kill(`zk-${before.myid}`);

      const after = await leader();
      expect(after.myid).not.toBe(before.myid);
      expect(after.epoch).toBeGreaterThan(before.epoch);

      // The votes each survivor received in this election, from the servers' own logs.
      const votes = voters.filter((v) => v.myid !== before.myid).flatMap((v) => electionNotifications(v.myid, killedAt));
      const ownVotes = votes.filter((n) => n.fromSid === n.proposedLeader && n.fromSid !== before.myid);
      const best = ownVotes
        .map((n) => ({ epoch: n.proposedEpoch, zxid: n.proposedZxid, sid: n.fromSid }))
        .sort(compareVotes)
        .at(-1);
      process.stdout.write(
        `\nleader myid ${before.myid} killed; votes received (receiver <- sender: proposed leader, epoch, zxid):\n` +
          votes
            .map(
              (n) =>
                `  zk-${n.receiver} <- zk-${n.fromSid}: leader ${n.proposedLeader}, epoch 0x${n.proposedEpoch.toString(16)}, zxid 0x${n.proposedZxid.toString(16)}`,
            )
            .join('\n') +
          `\nwinner: myid ${after.myid}, epoch ${after.epoch}, zxid ${after.zxid}\n`,
      );
      expect(ownVotes.length).toBeGreaterThan(0);
      expect(best?.sid).toBe(after.myid);

      await eventually(() => expect(['CONNECTED', 'RECONNECTED']).toContain(client.state), 20_000);
      expect(client.sessionId).toBe(sessionBefore);
      expect(changes.some((c) => c.to === 'LOST')).toBe(false);
      const stat = await client.exists(registry.nodePath);
      expect(stat?.ephemeralOwner).toBe(sessionBefore);
      await registry.unregister();
    });
  });

  describe('when the server a client is connected to freezes (SIGSTOP) while its watched node changes', () => {
    it('should time the connection out, resume the same session on another server and fire the watch it armed before', async () => {
      const lead = await leader();
      const others = ZK_SERVERS.filter((s) => s.myid !== lead.myid);
      const client = await zk(others.map((s) => `127.0.0.1:${s.clientPort}`).join(','));
      const leadPort = ZK_SERVERS.find((s) => s.myid === lead.myid)?.clientPort;
      const writer = await zk(`127.0.0.1:${leadPort}`);
      const changes: ConnectionStateChange[] = [];
      client.onStateChange((c) => changes.push(c));
      const path = `/it-freeze-${randomUUID().slice(0, 8)}`;
      await writer.create(path, 'before');
      await client.sync(path);
      const events: string[] = [];
      await client.getData(path, (e) => events.push(`${e.type} ${e.path}`));
      const sessionBefore = client.sessionId;
      const frozen = others.find((s) => `127.0.0.1:${s.clientPort}` === client.connectedServer);
      if (!frozen) throw new Error(`client is on ${client.connectedServer}, not one of ${others.map((s) => s.clientPort).join(', ')}`);
      stackControl.kill(`zk-${frozen.myid}`, 'SIGSTOP');
      try {
        // The frozen server cannot deliver the watch: only a SetWatches on another server can.
        await writer.setData(path, 'while-frozen');
        await eventually(() => expect(changes.map((c) => c.to)).toEqual(['SUSPENDED', 'RECONNECTED']), 20_000);
        expect(changes[1]?.newSession).toBe(false);
        expect(client.sessionId).toBe(sessionBefore);
        expect(client.connectedServer).not.toBe(`127.0.0.1:${frozen.clientPort}`);
        await eventually(() => expect(events).toEqual([`CHANGED ${path}`]), 10_000);
        expect((await client.getData(path)).data.toString()).toBe('while-frozen');
      } finally {
        stackControl.kill(`zk-${frozen.myid}`, 'SIGCONT');
      }
      await writer.delete(path);
    });
  });

  describe('when two of the three voters are down', () => {
    it('should fail writes with a clear error while discovery and config serve from cache, then catch up', async () => {
      const service = `it-quorum-${randomUUID().slice(0, 8)}`;
      const app = `it-quorum-${randomUUID().slice(0, 8)}`;
      const schema = z.object({ 'feature.flag': z.string().default('default') });

      const writerZk = await zk();
      const writerAuthZk = await connectedZk({ auth: [...OPERATOR_AUTH, { scheme: 'digest', auth: `${WRITER.user}:${WRITER.password}` }] });
      clients.push(writerAuthZk);
      const writer = new ConfigWriter(writerAuthZk, { app, profile: 'local', schema, writer: WRITER });
      await writer.set('feature.flag', 'before-outage', 'it');

      const readerZk = await zk();
      const discovery = new ServiceDiscovery(readerZk, testLogger(), { services: [service], debounceMs: 20 });
      await discovery.start();
      const config = new ConfigCenter(readerZk, testLogger(), { app, profile: 'local', schema });
      await config.start();
      const reg1 = new ServiceRegistry(
        writerZk,
        { id: 'i1', name: service, address: '127.0.0.1', port: 1, zone: 'local', tags: [], version: '1' },
        testLogger(),
      );
      await reg1.register();
      await eventually(() => expect(discovery.instances(service).map((i) => i.id)).toEqual(['i1']));
      expect(config.view['feature.flag']).toBe('before-outage');

      const lead = await leader();
      const follower = voters.find((v) => v.myid !== lead.myid) as (typeof voters)[number];
      stackControl.kill(`zk-${lead.myid}`);
      stackControl.kill(`zk-${follower.myid}`);

      // Quorum is 2 of 3 voters (the observer does not vote): no server serves now.
      const err = await eventually(async () => {
        const e = await writerZk.create(`/it-no-quorum-${randomUUID()}`, 'x').then(
          () => undefined,
          (x: unknown) => x as Error,
        );
        if (!e) throw new Error('a write succeeded without quorum');
        return e;
      }, 20_000);
      expect(err.message).toMatch(/^create \/it-no-quorum-.+: (ZCONNECTIONLOSS|ZOPERATIONTIMEOUT|ZSESSIONEXPIRED)/);
      expect(discovery.instances(service).map((i) => i.id)).toEqual(['i1']);
      expect(config.view['feature.flag']).toBe('before-outage');
      await new Promise((r) => setTimeout(r, 7000)); // past the session timeout: caches must still serve
      expect(discovery.instances(service).map((i) => i.id)).toEqual(['i1']);
      expect(config.view['feature.flag']).toBe('before-outage');

      await healEnsemble();
      await eventually(() => expect(['CONNECTED', 'RECONNECTED']).toContain(readerZk.state), 30_000);
      await eventually(() => expect(['CONNECTED', 'RECONNECTED']).toContain(writerAuthZk.state), 30_000);
      await writer.set('feature.flag', 'after-outage', 'it');
      const reg2 = new ServiceRegistry(
        writerAuthZk,
        { id: 'i2', name: service, address: '127.0.0.1', port: 2, zone: 'local', tags: [], version: '1' },
        testLogger(),
      );
      await reg2.register();
      await eventually(() => expect(config.view['feature.flag']).toBe('after-outage'), 20_000);
      await eventually(() => expect(discovery.instances(service).map((i) => i.id)).toEqual(['i1', 'i2']), 20_000);
      await reg1.unregister();
      await reg2.unregister();
      await discovery.close();
      await config.close();
    });
  });

  describe('when a client is pointed only at the observer (docs/notes.md, points 9-10)', () => {
    it('should read, write (forwarded to the leader) and get watch events like any client', async () => {
      const remote = await zk(`127.0.0.1:${observer?.clientPort}`);
      const local = await zk(`127.0.0.1:${voters[0]?.clientPort}`);
      const path = await local.create(`/it-observer-${randomUUID()}`, 'v1', 'PERSISTENT');
      await remote.sync(path);
      const events: string[] = [];
      expect((await remote.getData(path, (e) => events.push(e.type))).data.toString()).toBe('v1');
      await local.setData(path, 'v2');
      await eventually(() => expect(events).toEqual(['CHANGED']));
      await remote.setData(path, 'v3-from-remote-zone');
      // ZooKeeper is sequentially consistent per client, not linearizable across clients: another
      // client's server may not have applied the write yet. sync() makes it catch up first.
      await local.sync(path);
      expect((await local.getData(path)).data.toString()).toBe('v3-from-remote-zone');
      await local.delete(path);
    });
  });
});
