import { SERVICE_INSTANCE_CODEC, type ZookeeperClient } from '@dsp/zookeeper';
import type { AppliedConfigReader, AppliedKey } from './applied-config';
import { ConfigChangeExperiment } from './config-change.experiment';
import type { ExperimentContext } from './experiment';
import { ConfigAdminRefused, type ConfigAdmin, type ConfigHistoryEntry } from './gateway-config-admin';

const registry = (ids: string[]): ZookeeperClient =>
  ({
    getChildren: async () => [...ids],
    getData: async (path: string) => ({
      data: SERVICE_INSTANCE_CODEC.encode({
        schemaVersion: 1,
        id: path.slice(path.lastIndexOf('/') + 1),
        name: 'user-service',
        address: '127.0.0.1',
        port: 4000,
        zone: 'local',
        tags: [],
        registeredAt: new Date().toISOString(),
        version: 'spec',
      }),
    }),
    close: async () => undefined,
  }) as unknown as ZookeeperClient;

/**
 * One key in a config store with a history, and instances that apply each write
 * `lagMs` later (those in `deaf` never do), reporting it as the gauges would.
 */
class FakeConfig implements ConfigAdmin, AppliedConfigReader {
  readonly writes: unknown[] = [];
  private value: unknown = 20;
  private version = 3;
  private readonly entries: ConfigHistoryEntry[] = [{ seq: 0, value: 20, writtenAt: '', author: 'default' }];
  private readonly applied = new Map<string, { version: number; at: number; value: number }>();
  failHistory = false;

  constructor(
    private readonly ids: string[],
    private readonly lagMs: number,
    private readonly deaf: string[] = [],
    private readonly max = 1_000_000,
  ) {
    for (const i of ids) this.applied.set(i, { version: this.version, at: Date.now(), value: 20 });
  }

  async get(): Promise<unknown> {
    return this.value;
  }

  async set(_app: string, _key: string, value: unknown, author: string): Promise<void> {
    if (typeof value !== 'number' || value > this.max) throw new ConfigAdminRefused(400, `value ${String(value)} refused`);
    this.writes.push(value);
    this.value = value;
    this.version++;
    this.entries.push({ seq: this.entries.length, value, writtenAt: '', author });
    const version = this.version;
    const at = Date.now() + this.lagMs;
    setTimeout(() => {
      for (const i of this.ids) if (!this.deaf.includes(i)) this.applied.set(i, { version, at, value });
    }, this.lagMs);
  }

  async history(): Promise<ConfigHistoryEntry[]> {
    if (this.failHistory) throw new Error('ZooKeeper went away');
    return [...this.entries];
  }

  async rollback(app: string, key: string, seq: number): Promise<unknown> {
    const e = this.entries.find((h) => h.seq === seq);
    if (!e) throw new ConfigAdminRefused(400, `no history entry ${seq}`);
    await this.set(app, key, e.value, `rollback to ${seq}`);
    return e.value;
  }

  async read(): Promise<ReadonlyMap<string, AppliedKey>> {
    return new Map(
      this.ids.map((i) => {
        const a = this.applied.get(i);
        return [i, { up: true, version: a?.version, appliedAtMs: a?.at, value: a?.value }];
      }),
    );
  }
}

const context = (): ExperimentContext => ({ step: () => undefined, chart: () => undefined, signal: new AbortController().signal });

describe('ConfigChangeExperiment', () => {
  it('should hold when every instance applies the change and the rollback within the bound, with rising versions', async () => {
    const cfg = new FakeConfig(['us-a', 'us-b'], 50);
    const exp = new ConfigChangeExperiment(cfg, cfg, async () => registry(['us-a', 'us-b']), { observeTimeoutMs: 2000 });
    const v = await exp.run(context());
    expect(v.summary).toMatch(
      /^All 2 instances of user-service applied ratelimit.register.ipAttempts = 21 at most \d+ ms after the write, and the rollback to 20 at most \d+ ms after it/,
    );
    expect(v.held).toBe(true);
    expect(cfg.writes).toEqual([21, 20]);
    expect(v.evidence).toEqual([
      expect.objectContaining({ instance: 'us-a', 'version before': 3, 'set 21: version': 4, 'rollback to 20: version': 5 }),
      expect.objectContaining({ instance: 'us-b', 'version before': 3, 'set 21: version': 4, 'rollback to 20: version': 5 }),
    ]);
  });

  it('should step down when the schema refuses one more', async () => {
    const cfg = new FakeConfig(['us-a'], 10, [], 20);
    const exp = new ConfigChangeExperiment(cfg, cfg, async () => registry(['us-a']), { observeTimeoutMs: 2000 });
    await expect(exp.run(context())).resolves.toMatchObject({ held: true });
    expect(cfg.writes).toEqual([19, 20]);
  });

  it('should not hold, and name the instance, when one never applies the change; the value is back', async () => {
    const cfg = new FakeConfig(['us-a', 'us-b'], 10, ['us-b']);
    const exp = new ConfigChangeExperiment(cfg, cfg, async () => registry(['us-a', 'us-b']), { observeTimeoutMs: 600 });
    const v = await exp.run(context());
    expect(v.held).toBe(false);
    expect(v.summary).toContain('us-b did not apply both writes within 3000 ms');
    expect(v.evidence[1]).toMatchObject({ instance: 'us-b', 'set 21: version': 'not seen' });
    await expect(cfg.get()).resolves.toBe(20);
  });

  it('should not hold when an instance applies later than the bound', async () => {
    const cfg = new FakeConfig(['us-a'], 300);
    const exp = new ConfigChangeExperiment(cfg, cfg, async () => registry(['us-a']), { observeTimeoutMs: 2000, applyBoundMs: 100 });
    await expect(exp.run(context())).resolves.toMatchObject({ held: false });
  });

  it('should write the old value back when the run fails after the change', async () => {
    const cfg = new FakeConfig(['us-a'], 10);
    cfg.failHistory = true;
    const exp = new ConfigChangeExperiment(cfg, cfg, async () => registry(['us-a']), { observeTimeoutMs: 2000 });
    await expect(exp.run(context())).rejects.toThrow('ZooKeeper went away');
    expect(cfg.writes).toEqual([21, 20]);
  });

  it('should refuse to run when no instance is registered', async () => {
    const cfg = new FakeConfig([], 10);
    const exp = new ConfigChangeExperiment(cfg, cfg, async () => registry([]));
    await expect(exp.run(context())).rejects.toThrow('no instance of user-service is registered: nobody would apply the change');
    expect(cfg.writes).toEqual([]);
  });
});
