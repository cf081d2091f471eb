import { z } from 'zod';
import { createJsonLogger, MetricsRegistry } from '@dsp/service-defaults';
import { ZK_CODES, ZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { publishConfigMetrics } from '../zookeeper-metrics';
import { ConfigCenter } from './config-center.recipe';
import { CONFIG_ENTRY_CODEC } from './config-entry';

const logger = createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'silent' });
const schema = z.object({ 'rate.perSecond': z.number().int().positive().default(100), 'feature.banner': z.string().default('off') });
const base = '/config/shop/local';

/** The reads ConfigCenter makes, over a map of znodes; `change` fires the one-shot watches of a path, as ZooKeeper does. */
function fakeTree(nodes: Record<string, unknown>) {
  const data = new Map<string, Buffer>();
  const versions = new Map<string, number>();
  const watches = new Map<string, ((e: { type: string; path: string }) => void)[]>();
  const put = (path: string, value: unknown, extra: object = {}) => {
    versions.set(path, data.has(path) ? (versions.get(path) ?? 0) + 1 : 0);
    data.set(path, CONFIG_ENTRY_CODEC.encode({ schemaVersion: 1, value, writtenAt: '', author: 't', ...extra }) as Buffer);
  };
  for (const [k, v] of Object.entries(nodes)) put(k, v);
  const arm = (path: string, w?: (e: { type: string; path: string }) => void) => w && watches.set(path, [...(watches.get(path) ?? []), w]);
  const children = (path: string) =>
    [...data.keys()]
      .filter((p) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/'))
      .map((p) => p.slice(path.length + 1));
  const client = {
    onStateChange: () => () => undefined,
    waitConnected: async () => undefined,
    getChildren: async (path: string, w?: () => void) => {
      if (path !== base && !data.has(path)) throw new ZkError(ZK_CODES.ZNONODE, 'getChildren', path);
      arm(path, w);
      return children(path);
    },
    getData: async (path: string, w?: () => void) => {
      const d = data.get(path);
      if (!d) throw new ZkError(ZK_CODES.ZNONODE, 'getData', path);
      arm(path, w);
      return { data: d, stat: { version: versions.get(path) ?? 0 } };
    },
    exists: async () => null,
  } as unknown as ZookeeperClient;
  const fire = (path: string) => {
    const ws = watches.get(path) ?? [];
    watches.delete(path);
    for (const w of ws) w({ type: 'CHANGED', path });
  };
  return {
    client,
    put,
    change: (path: string, value: unknown, extra: object = {}) => {
      const isNew = !data.has(path);
      put(path, value, extra);
      fire(path);
      if (isNew) fire(path.slice(0, path.lastIndexOf('/')));
    },
  };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

describe('ConfigCenter (reader, on a fake tree)', () => {
  it('should serve defaults for keys without a node, and the stored value for keys with one', async () => {
    const t = fakeTree({ [`${base}/rate.perSecond`]: 250 });
    const cc = new ConfigCenter(t.client, logger, { app: 'shop', profile: 'local', schema });
    await cc.start();
    expect(cc.view).toEqual({ 'rate.perSecond': 250, 'feature.banner': 'off' });
  });

  it('should keep the default, not crash, when a stored value does not match the schema', async () => {
    const t = fakeTree({ [`${base}/rate.perSecond`]: -5, [`${base}/feature.banner`]: 'on' });
    const cc = new ConfigCenter(t.client, logger, { app: 'shop', profile: 'local', schema });
    await cc.start();
    expect(cc.view).toEqual({ 'rate.perSecond': 100, 'feature.banner': 'on' });
  });

  it('should show a gray release only to instances carrying one of its tags', async () => {
    const t = fakeTree({ [`${base}/feature.banner`]: 'off' });
    t.put(`${base}/feature.banner/gray`, 'on', { tags: ['canary'] });
    const canary = new ConfigCenter(t.client, logger, { app: 'shop', profile: 'local', schema, instanceTags: ['canary', 'zone-a'] });
    const other = new ConfigCenter(t.client, logger, { app: 'shop', profile: 'local', schema, instanceTags: ['zone-a'] });
    await Promise.all([canary.start(), other.start()]);
    expect([canary.view['feature.banner'], other.view['feature.banner']]).toEqual(['on', 'off']);
  });

  it('should report per key the znode version it applied and when, and publish them as config_key_* metrics', async () => {
    const t = fakeTree({ [`${base}/rate.perSecond`]: 250 });
    const cc = new ConfigCenter(t.client, logger, { app: 'shop', profile: 'local', schema });
    await cc.start();
    const first = cc.applied().get('rate.perSecond');
    expect(first).toEqual({ version: 0, appliedAtMs: expect.any(Number) });
    expect(cc.applied().has('feature.banner')).toBe(false);
    await new Promise((r) => setTimeout(r, 5));
    t.change(`${base}/rate.perSecond`, 300);
    await settle();
    const second = cc.applied().get('rate.perSecond');
    expect(second?.version).toBe(1);
    expect(second?.appliedAtMs).toBeGreaterThan(first?.appliedAtMs ?? Infinity);
    const metrics = new MetricsRegistry('shop', 'shop-1');
    publishConfigMetrics(cc, metrics);
    const text = await metrics.render();
    expect(text).toMatch(/^config_key_version\{key="rate.perSecond",service="shop",instance="shop-1"\} 1$/m);
    expect(text).toMatch(/^config_key_value\{key="rate.perSecond",service="shop",instance="shop-1"\} 300$/m);
    expect(text).toContain(
      `config_key_applied_timestamp_seconds{key="rate.perSecond",service="shop",instance="shop-1"} ${(second?.appliedAtMs ?? 0) / 1000}`,
    );
  });

  it('should apply a change live (watch fired, re-read, re-armed) and tell listeners which keys changed, each time', async () => {
    const t = fakeTree({ [`${base}/rate.perSecond`]: 250 });
    const cc = new ConfigCenter(t.client, logger, { app: 'shop', profile: 'local', schema });
    const heard: string[][] = [];
    cc.onChange((_v, keys) => heard.push(keys));
    await cc.start();
    t.change(`${base}/rate.perSecond`, 300);
    await settle();
    t.change(`${base}/rate.perSecond`, 400); // the watch was one-shot: this works only if it was re-armed
    await settle();
    t.change(`${base}/feature.banner`, 'on'); // a new key: the parent's child watch brings it
    await settle();
    expect(cc.view).toEqual({ 'rate.perSecond': 400, 'feature.banner': 'on' });
    // (the first is the initial load at start)
    expect(heard).toEqual([['rate.perSecond'], ['rate.perSecond'], ['rate.perSecond'], ['feature.banner']]);
  });
});
