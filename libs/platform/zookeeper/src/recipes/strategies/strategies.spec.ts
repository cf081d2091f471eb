import type { ServiceInstance } from '../service-instance.codec';
import { ConsistentHashStrategy } from './consistent-hash.strategy';
import { LeastOutstandingStrategy } from './least-outstanding.strategy';
import { RandomStrategy } from './random.strategy';
import { RoundRobinStrategy } from './round-robin.strategy';
import { createStrategy, STRATEGY_NAMES } from './strategy-registry';

const inst = (id: string): ServiceInstance => ({
  id,
  name: 's',
  address: '127.0.0.1',
  port: 1,
  zone: 'local',
  tags: [],
  registeredAt: '',
  version: '1',
});
const three = [inst('c'), inst('a'), inst('b')];
const none = { outstanding: () => 0 };

describe('selection strategies', () => {
  describe('RoundRobinStrategy', () => {
    it('should visit every instance in turn, in id order', () => {
      const s = new RoundRobinStrategy();
      expect([1, 2, 3, 4].map(() => s.select(three).id)).toEqual(['a', 'b', 'c', 'a']);
    });
  });

  describe('RandomStrategy', () => {
    it('should pick by the random source', () => {
      expect(new RandomStrategy(() => 0.99).select(three).id).toBe('b');
      expect(new RandomStrategy(() => 0).select(three).id).toBe('c');
    });
  });

  describe('LeastOutstandingStrategy', () => {
    it('should pick the instance with the fewest requests in flight', () => {
      const load: Record<string, number> = { a: 5, b: 1, c: 3 };
      expect(new LeastOutstandingStrategy().select(three, { outstanding: (id) => load[id] ?? 0 }).id).toBe('b');
    });
  });

  describe('ConsistentHashStrategy', () => {
    it('should send the same key to the same instance', () => {
      const s = new ConsistentHashStrategy();
      const first = s.select(three, { ...none, key: 'user-42' }).id;
      for (let i = 0; i < 20; i++) expect(s.select(three, { ...none, key: 'user-42' }).id).toBe(first);
    });

    it('should move only the keys of an instance that leaves', () => {
      const s = new ConsistentHashStrategy();
      const keys = Array.from({ length: 300 }, (_, i) => `user-${i}`);
      const before = new Map(keys.map((k) => [k, s.select(three, { ...none, key: k }).id]));
      const remaining = three.filter((i) => i.id !== 'b');
      const moved = keys.filter((k) => before.get(k) !== 'b' && s.select(remaining, { ...none, key: k }).id !== before.get(k));
      expect(moved).toEqual([]);
      const spread = new Set(before.values());
      expect(spread.size).toBe(3);
    });
  });

  describe('createStrategy', () => {
    it('should build every registered strategy by name', () => {
      for (const n of STRATEGY_NAMES) expect(createStrategy(n).name).toBe(n);
    });

    it('should name the unknown value and the valid ones', () => {
      expect(() => createStrategy('fastest')).toThrow(
        'unknown selection strategy "fastest"; valid: round-robin, random, least-outstanding, consistent-hash',
      );
    });
  });
});
