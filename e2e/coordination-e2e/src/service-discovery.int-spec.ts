import { randomUUID } from 'node:crypto';
import { connectedZk, eventually, testLogger } from '@dsp/testing';
import { createStrategy, ServiceDiscovery, ServiceRegistry, type ZookeeperClient } from '@dsp/zookeeper';

describe('ServiceDiscovery on the real ensemble (docs/notes.md, points 18-19, 24)', () => {
  let zk: ZookeeperClient;

  beforeAll(async () => {
    zk = await connectedZk();
  });

  afterAll(() => zk.close());

  describe('when instances register and leave while discovery watches', () => {
    it('should re-arm its one-shot child watch and see every change, and select among live instances', async () => {
      const service = `it-svc-${randomUUID().slice(0, 8)}`;
      const discovery = new ServiceDiscovery(zk, testLogger(), { services: [service], debounceMs: 20 });
      await discovery.start();
      const instances = await Promise.all([1, 2, 3].map(() => connectedZk()));
      const registries = instances.map(
        (c, i) =>
          new ServiceRegistry(
            c,
            { id: `i${i}`, name: service, address: '127.0.0.1', port: 10_000 + i, zone: 'local', tags: [], version: '1' },
            testLogger(),
          ),
      );
      try {
        for (const [i, r] of registries.entries()) {
          await r.register();
          await eventually(() => expect(discovery.instances(service).map((x) => x.id)).toHaveLength(i + 1));
        }
        const rr = createStrategy('round-robin');
        expect([1, 2, 3].map(() => discovery.select(service, rr)?.port).sort()).toEqual([10_000, 10_001, 10_002]);
        await registries[1]?.unregister();
        await eventually(() => expect(discovery.instances(service).map((x) => x.id)).toEqual(['i0', 'i2']));
        await instances[2]?.close(); // session ends: the ephemeral registration goes with it
        await eventually(() => expect(discovery.instances(service).map((x) => x.id)).toEqual(['i0']));
      } finally {
        for (const r of registries) await r.unregister();
        for (const c of instances) await c.close();
        await discovery.close();
      }
    });
  });

  describe('when an instance keeps failing', () => {
    it('should skip it for the eject period', async () => {
      const service = `it-eject-${randomUUID().slice(0, 8)}`;
      const discovery = new ServiceDiscovery(zk, testLogger(), {
        services: [service],
        debounceMs: 20,
        failureThreshold: 2,
        ejectMs: 60_000,
      });
      await discovery.start();
      const regs = ['a', 'b'].map(
        (id, i) =>
          new ServiceRegistry(
            zk,
            { id, name: service, address: '127.0.0.1', port: 20_000 + i, zone: 'local', tags: [], version: '1' },
            testLogger(),
          ),
      );
      try {
        for (const r of regs) await r.register();
        await eventually(() => expect(discovery.instances(service)).toHaveLength(2));
        const a = discovery.instances(service).find((i) => i.id === 'a');
        if (!a) throw new Error('no a');
        discovery.reportFailure(a);
        expect(discovery.instances(service)).toHaveLength(2);
        discovery.reportFailure(a);
        expect(discovery.instances(service).map((i) => i.id)).toEqual(['b']);
      } finally {
        for (const r of regs) await r.unregister();
        await discovery.close();
      }
    });
  });
});
