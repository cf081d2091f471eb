import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { connectedZk, eventually, OPERATOR_AUTH, testLogger } from '@dsp/testing';
import { ConfigCenter, ConfigWriter, ZookeeperClient } from '@dsp/zookeeper';

describe('ConfigCenter and ConfigWriter on the real ensemble (docs/notes.md, points 28, 30)', () => {
  const WRITER = { user: 'config-admin', password: 'config-admin-local-pw' };

  describe('when a config value changes', () => {
    const schema = z.object({
      'intake.ratePerSecond': z.number().int().positive().default(100),
      'feature.banner': z.string().default('off'),
    });

    it('should reach every instance through watches, keep history, roll back, and release to tagged instances first', async () => {
      const app = `it-app-${randomUUID().slice(0, 8)}`;
      const writerZk = await connectedZk({ auth: [...OPERATOR_AUTH, { scheme: 'digest', auth: `${WRITER.user}:${WRITER.password}` }] });
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
        // The first entry is the schema's default, recorded by the first write: a rollback can return to it.
        expect(history.map((h) => h.value)).toEqual([100, 250, 400]);
        expect(history[0]?.author).toMatch(/^default/);
        await writer.writer.rollback('intake.ratePerSecond', history[1]?.seq ?? -1, 'it');
        await eventually(() => expect(readers.map((r) => r.center.view['intake.ratePerSecond'])).toEqual([250, 250, 250]));
        await writer.writer.rollback('intake.ratePerSecond', history[0]?.seq ?? -1, 'it');
        await eventually(() => expect(readers.map((r) => r.center.view['intake.ratePerSecond'])).toEqual([100, 100, 100]));

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
      const writerZk = await connectedZk({ auth: [...OPERATOR_AUTH, { scheme: 'digest', auth: `${WRITER.user}:${WRITER.password}` }] });
      const anonZk = await connectedZk({ auth: [] });
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
      const writerZk = await connectedZk({ auth: [...OPERATOR_AUTH, { scheme: 'digest', auth: `${WRITER.user}:${WRITER.password}` }] });
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
