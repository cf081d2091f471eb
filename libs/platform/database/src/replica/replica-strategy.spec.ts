import { createReplicaStrategy } from './replica-strategy-registry';
import { WeightedReplicaStrategy } from './weighted.strategy';

const replicas = [
  { label: 'a', weight: 1 },
  { label: 'b', weight: 3 },
];

describe('replica strategies', () => {
  it('should alternate with round-robin', () => {
    const s = createReplicaStrategy('round-robin');
    expect([0, 1, 2, 3].map(() => s.select(replicas).label)).toEqual(['a', 'b', 'a', 'b']);
  });

  it('should share reads in proportion to weight', () => {
    let i = 0;
    const s = new WeightedReplicaStrategy(() => (i++ % 100) / 100);
    const counts = { a: 0, b: 0 };
    for (let n = 0; n < 1000; n++) counts[s.select(replicas).label as 'a' | 'b']++;
    expect(counts).toEqual({ a: 250, b: 750 });
  });

  it('should pick only among the given candidates with random', () => {
    const s = createReplicaStrategy('random');
    for (let n = 0; n < 50; n++) expect(['a', 'b']).toContain(s.select(replicas).label);
  });

  it('should name the unknown strategy and the valid ones', () => {
    expect(() => createReplicaStrategy('fastest')).toThrow('unknown replica strategy "fastest"; valid: round-robin, random, weighted');
  });
});
