import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { connectedZk, eventually, testLogger } from '@dsp/testing';
import {
  ConfigCenter,
  ConfigWriter,
  createStrategy,
  ServiceDiscovery,
  ServiceRegistry,
  ZookeeperClient,
  type WatchEvent,
} from '@dsp/zookeeper';

const WRITER = { user: 'config-admin', password: 'config-admin-local-pw' };

describe('watches and the caches built on them (docs/notes.md, points 18-19, 24, 28, 30)', () => {
  let zk: ZookeeperClient;

  beforeAll(async () => {
    zk = await connectedZk();
  });

  afterAll(() => zk.close());

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

  describe('when a config value changes', () => {
    const schema = z.object({
      'intake.ratePerSecond': z.number().int().positive().default(100),
      'feature.banner': z.string().default('off'),
    });

    it('should reach every instance through watches, keep history, roll back, and release to tagged instances first', async () => {
      const app = `it-app-${randomUUID().slice(0, 8)}`;
      const writerZk = await connectedZk({ auth: [{ scheme: 'digest', auth: `${WRITER.user}:${WRITER.password}` }] });
      const writer = new ConfigCenter(writerZk, testLogger(), { app, profile: 'local', schema, writer: WRITER });
      const readers = await Promise.all(
        [['canary'], [], []].map(async (tags) => {
          const c = await connectedZk();
          const center = new ConfigCenter(c, testLogger(), { app, profile: 'local', schema, instanceTags: tags });
          await center.start();
          return { c, center };
        }),
      );
      try {
        await writer.start();
        expect(readers.map((r) => r.center.view['intake.ratePerSecond'])).toEqual([100, 100, 100]);

        await writer.writer.set('intake.ratePerSecond', 250, 'it');
        await eventually(() => expect(readers.map((r) => r.center.view['intake.ratePerSecond'])).toEqual([250, 250, 250]));
        await writer.writer.set('intake.ratePerSecond', 400, 'it');
        await eventually(() => expect(readers.map((r) => r.center.view['intake.ratePerSecond'])).toEqual([400, 400, 400]));

        const history = await writer.writer.history('intake.ratePerSecond');
        expect(history.map((h) => h.value)).toEqual([250, 400]);
        await writer.writer.rollback('intake.ratePerSecond', history[0]?.seq ?? -1, 'it');
        await eventually(() => expect(readers.map((r) => r.center.view['intake.ratePerSecond'])).toEqual([250, 250, 250]));

        await writer.writer.grayRelease('feature.banner', 'on', ['canary'], 'it');
        await eventually(() => expect(readers.map((r) => r.center.view['feature.banner'])).toEqual(['on', 'off', 'off']));
        await writer.writer.promoteGray('feature.banner', 'it');
        await eventually(() => expect(readers.map((r) => r.center.view['feature.banner'])).toEqual(['on', 'on', 'on']));
        // A second gray release of the same key: its gray node was deleted by the promotion.
        await writer.writer.grayRelease('feature.banner', 'off', ['canary'], 'it');
        await eventually(() => expect(readers.map((r) => r.center.view['feature.banner'])).toEqual(['off', 'on', 'on']));
        await writer.writer.cancelGray('feature.banner');
        await eventually(() => expect(readers.map((r) => r.center.view['feature.banner'])).toEqual(['on', 'on', 'on']));

        await expect(writer.writer.set('intake.ratePerSecond', -5, 'it')).rejects.toThrow(/config key "intake.ratePerSecond"/);
        await expect(writer.writer.set('no.such.key', 1, 'it')).rejects.toThrow(/unknown key/);
      } finally {
        for (const r of readers) {
          await r.center.close();
          await r.c.close();
        }
        await writer.close();
        await writerZk.close();
      }
    });

    it('should refuse config writes without the writer credentials (NoAuth)', async () => {
      const app = `it-acl-${randomUUID().slice(0, 8)}`;
      const writerZk = await connectedZk({ auth: [{ scheme: 'digest', auth: `${WRITER.user}:${WRITER.password}` }] });
      const anonZk = await connectedZk();
      const badZk = await connectedZk({ auth: [{ scheme: 'digest', auth: `${WRITER.user}:wrong` }] });
      try {
        const writer = new ConfigWriter(writerZk, { app, profile: 'local', schema, writer: WRITER });
        await writer.set('feature.banner', 'on', 'it');
        for (const c of [anonZk, badZk]) {
          const pretender = new ConfigWriter(c, {
            app,
            profile: 'local',
            schema,
            writer: { user: WRITER.user, password: 'whatever' },
          });
          await expect(pretender.set('feature.banner', 'hacked', 'x')).rejects.toMatchObject({ codeName: 'ZNOAUTH' });
        }
      } finally {
        await writerZk.close();
        await anonZk.close();
        await badZk.close();
      }
    });

    it('should start from the local snapshot when ZooKeeper is unreachable', async () => {
      const app = `it-snap-${randomUUID().slice(0, 8)}`;
      const snapshotFile = join(mkdtempSync(join(tmpdir(), 'dsp-config-')), 'config.json');
      const writerZk = await connectedZk({ auth: [{ scheme: 'digest', auth: `${WRITER.user}:${WRITER.password}` }] });
      const writer = new ConfigWriter(writerZk, { app, profile: 'local', schema, writer: WRITER });
      await writer.set('intake.ratePerSecond', 777, 'it');
      const first = new ConfigCenter(writerZk, testLogger(), { app, profile: 'local', schema, snapshotFile });
      await first.start();
      expect(first.view['intake.ratePerSecond']).toBe(777);
      await first.close();
      await writerZk.close();

      // Nothing listens on this port: ZooKeeper is "down" for this instance.
      const offline = new ZookeeperClient({ connectString: '127.0.0.1:1', sessionTimeoutMs: 2000 }, testLogger());
      offline.start();
      const second = new ConfigCenter(offline, testLogger(), { app, profile: 'local', schema, snapshotFile });
      await second.start(500);
      try {
        expect(second.view['intake.ratePerSecond']).toBe(777);
      } finally {
        await second.close();
        await offline.close();
      }
    });
  });
});
