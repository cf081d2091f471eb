import { randomUUID } from 'node:crypto';
import { ZookeeperClient } from '@dsp/zookeeper';
import { OPERATOR_AUTH, testLogger } from '@dsp/testing';
import { fourLetterWord, parseKeyValues, ZK_SERVERS, zkNodeState } from '@dsp/infra-stack';

describe('ZooKeeper ensemble (local stack)', () => {
  describe('when every server answers srvr/mntr', () => {
    it('should have exactly one leader, two followers and one observer, with distinct myids', async () => {
      const states = await Promise.all(ZK_SERVERS.map((s) => zkNodeState(s)));
      const modes = states.map((s) => s?.mode).sort();
      expect(modes).toEqual(['follower', 'follower', 'leader', 'observer']);
      expect(new Set(ZK_SERVERS.map((s) => s.myid)).size).toBe(4);
      const observer = ZK_SERVERS.find((s) => s.observer);
      expect(states.find((s) => s?.myid === observer?.myid)?.mode).toBe('observer');
    });

    it('should report two synced followers (voters) and one synced observer on the leader', async () => {
      const states = await Promise.all(ZK_SERVERS.map((s) => zkNodeState(s)));
      const leader = states.find((s) => s?.mode === 'leader');
      expect(leader).toBeDefined();
      const mntr = parseKeyValues(await fourLetterWord(leader?.port ?? 0, 'mntr'));
      expect(mntr['zk_server_state']).toBe('leader');
      expect(mntr['zk_synced_followers']).toBe('2');
      expect(mntr['zk_synced_observers']).toBe('1');
      expect(mntr['zk_quorum_size']).toBe('3'); // the observer does not vote
    });

    it('should answer ruok with imok on every server', async () => {
      for (const s of ZK_SERVERS) {
        expect(await fourLetterWord(s.clientPort, 'ruok')).toBe('imok');
      }
    });
  });

  describe('when a client writes through one server', () => {
    const logger = testLogger('zk-stack');
    // The operator writes (anonymous sessions may only read, ADR 0009); readers stay anonymous.
    const writer = new ZookeeperClient({ connectString: `127.0.0.1:${ZK_SERVERS[0]?.clientPort}`, auth: OPERATOR_AUTH }, logger);
    const reader = new ZookeeperClient({ connectString: `127.0.0.1:${ZK_SERVERS[2]?.clientPort}` }, logger);
    const observerReader = new ZookeeperClient({ connectString: `127.0.0.1:${ZK_SERVERS[3]?.clientPort}` }, logger);

    beforeAll(async () => {
      for (const c of [writer, reader, observerReader]) c.start();
      await Promise.all([writer, reader, observerReader].map((c) => c.waitConnected(10_000)));
    });

    afterAll(async () => {
      await Promise.all([writer, reader, observerReader].map((c) => c.close()));
    });

    it('should read the value back through another voter and through the observer', async () => {
      const path = `/stack-test-${randomUUID()}`;
      const value = `written via :${ZK_SERVERS[0]?.clientPort} at ${Date.now()}`;
      await writer.create(path, value, 'PERSISTENT');
      try {
        for (const c of [reader, observerReader]) {
          await c.sync(path); // the server catches up with the leader first
          const { data } = await c.getData(path);
          expect(data.toString()).toBe(value);
        }
      } finally {
        await writer.delete(path);
      }
    });
  });
});
