import type { ReplicaCandidate, ReplicaStrategy } from './replica-strategy';

/** A uniformly random usable replica. */
export class RandomReplicaStrategy implements ReplicaStrategy {
  readonly name = 'random';

  constructor(private readonly random: () => number = Math.random) {}

  select<C extends ReplicaCandidate>(candidates: readonly C[]): C {
    return candidates[Math.floor(this.random() * candidates.length)] as C;
  }
}
