import type { ReplicaCandidate, ReplicaStrategy } from './replica-strategy';

/** A random usable replica, each chosen in proportion to its weight (a weight of 0 gets reads only when alone). */
export class WeightedReplicaStrategy implements ReplicaStrategy {
  readonly name = 'weighted';

  constructor(private readonly random: () => number = Math.random) {}

  select<C extends ReplicaCandidate>(candidates: readonly C[]): C {
    const total = candidates.reduce((s, c) => s + Math.max(0, c.weight), 0);
    if (total <= 0) return candidates[0] as C;
    let r = this.random() * total;
    for (const c of candidates) {
      r -= Math.max(0, c.weight);
      if (r < 0) return c;
    }
    return candidates[candidates.length - 1] as C;
  }
}
