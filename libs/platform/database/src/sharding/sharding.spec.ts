import { createShardingAlgorithm } from './sharding-algorithm-registry';
import { KeysetCursor, mergeSorted, newestFirst, InvalidCursorError } from './keyset-cursor';
import { ShardingRule } from './sharding-rule';
import { MissingShardingKeyError, ShardRouter } from './shard-router';
import { ClockMovedBackwardsError, SnowflakeIdGenerator } from './snowflake-id-generator';
import type { ReadWriteDataSource } from '../read-write-data-source';

const DBS = ['order_db_0', 'order_db_1'];

describe('ShardingRule', () => {
  describe('with the default mod rule (2 databases x 2 tables)', () => {
    const rule = new ShardingRule(DBS, 2, createShardingAlgorithm('mod'));

    it('should place database = userId mod 2 and table = floor(userId / 2) mod 2 for every key', () => {
      for (let uid = 0n; uid < 1000n; uid++) {
        const loc = rule.locate(uid);
        expect(loc.database).toBe(`order_db_${uid % 2n}`);
        expect(loc.table).toBe(Number((uid / 2n) % 2n));
      }
    });

    it('should list every slot once', () => {
      expect(rule.all().map((l) => `${l.database}.orders_${l.table}`)).toEqual([
        'order_db_0.orders_0',
        'order_db_1.orders_0',
        'order_db_0.orders_1',
        'order_db_1.orders_1',
      ]);
    });
  });

  it('should spread keys with a shared pattern under hash, where mod would not', () => {
    const hash = new ShardingRule(DBS, 2, createShardingAlgorithm('hash'));
    const mod = new ShardingRule(DBS, 2, createShardingAlgorithm('mod'));
    const multiplesOf4 = Array.from({ length: 400 }, (_, i) => BigInt(i * 4));
    expect(new Set(multiplesOf4.map((k) => mod.slotOf(k))).size).toBe(1);
    expect(new Set(multiplesOf4.map((k) => hash.slotOf(k))).size).toBe(4);
  });

  it('should keep key ranges together under range', () => {
    const rule = new ShardingRule(DBS, 2, createShardingAlgorithm('range', { bounds: [100n, 200n, 300n] }));
    expect([0n, 99n, 100n, 250n, 10_000n].map((k) => rule.slotOf(k))).toEqual([0, 0, 1, 2, 3]);
  });

  it('should name an unknown algorithm and the valid ones', () => {
    expect(() => createShardingAlgorithm('modulo')).toThrow('unknown sharding algorithm "modulo"; valid: mod, hash, range');
  });
});

describe('SnowflakeIdGenerator', () => {
  it('should make increasing, unique ids that carry the gene, worker and time', () => {
    let t = Date.UTC(2026, 0, 1);
    const gen = new SnowflakeIdGenerator(37, { now: () => t });
    const ids: bigint[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i % 700 === 0) t++;
      ids.push(gen.next(i % 4));
    }
    expect(new Set(ids).size).toBe(ids.length);
    const parts = gen.parse(ids[4999] as bigint);
    expect(parts).toMatchObject({ workerId: 37, gene: 4999 % 4 });
    expect(parts.timestampMs).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1));
    for (let i = 1; i < ids.length; i++) expect((ids[i] as bigint) > (ids[i - 1] as bigint)).toBe(true);
  });

  it('should refuse to make ids when the clock moves backwards', () => {
    let t = 1_800_000_000_000;
    const gen = new SnowflakeIdGenerator(1, { now: () => t });
    gen.next(0);
    t -= 5;
    expect(() => gen.next(0)).toThrow(ClockMovedBackwardsError);
    expect(() => gen.next(0)).toThrow('clock moved backwards by 5 ms');
  });

  it('should wait for the next millisecond when the sequence runs out, never repeating', () => {
    let calls = 0;
    const gen = new SnowflakeIdGenerator(1, { now: () => 1_800_000_000_000 + Math.floor(calls++ / 5000) });
    const ids = Array.from({ length: 3000 }, () => gen.next(2));
    expect(new Set(ids).size).toBe(3000);
  });

  it('should refuse a worker id that does not fit', () => {
    expect(() => new SnowflakeIdGenerator(1024)).toThrow('worker id 1024 outside 0..1023');
  });
});

describe('ShardRouter', () => {
  const rule = new ShardingRule(DBS, 2, createShardingAlgorithm('mod'));
  const router = new ShardRouter(rule, (name) => ({ name }) as unknown as ReadWriteDataSource);

  it('should route an id to the shard of the key whose gene it carries', () => {
    const gen = new SnowflakeIdGenerator(3);
    for (const uid of [0n, 1n, 2n, 3n, 12345n]) {
      const id = gen.next(router.geneFor(uid));
      expect(router.byId(id).location).toEqual(router.byKey(uid).location);
      expect(router.byId(id).table('orders')).toBe(`orders_${Number((uid / 2n) % 2n)}`);
    }
  });

  it('should refuse to scatter unless asked to', () => {
    expect(() => router.all({ allowScatter: false, what: 'listing orders' })).toThrow(MissingShardingKeyError);
    expect(router.all({ allowScatter: true, what: 'admin listing' })).toHaveLength(4);
  });
});

describe('keyset cursors and the merge', () => {
  it('should merge sorted shard pages into the same page a single sorted table would give', () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ createdAtMs: 1000 + Math.floor(i / 3), id: String(10_000 + i) }));
    const shards = [0, 1, 2, 3].map((s) => rows.filter((_, i) => i % 4 === s).sort(newestFirst));
    const global = [...rows].sort(newestFirst);
    let cursor: { createdAtMs: number; id: string } | undefined;
    const paged: string[] = [];
    for (let page = 0; page < 30 && paged.length < rows.length; page++) {
      const after = (r: { createdAtMs: number; id: string }) => cursor === undefined || newestFirst(cursor, r) < 0;
      const merged = mergeSorted(
        shards.map((s) => s.filter(after).slice(0, 7)),
        newestFirst,
        7,
      );
      paged.push(...merged.map((r) => r.id));
      cursor = merged[merged.length - 1];
      if (cursor) expect(KeysetCursor.decode(KeysetCursor.encode(cursor))).toEqual(cursor);
    }
    expect(paged).toEqual(global.map((r) => r.id));
  });

  it('should reject a cursor it did not issue', () => {
    expect(() => KeysetCursor.decode('bm9wZQ')).toThrow(InvalidCursorError);
  });
});
