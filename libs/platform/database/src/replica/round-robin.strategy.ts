import type { ReplicaCandidate, ReplicaStrategy } from './replica-strategy';

/** Each usable replica in turn. */
export class RoundRobinReplicaStrategy implements ReplicaStrategy {
  readonly name = 'round-robin';
  private next = 0;

  select<C extends ReplicaCandidate>(candidates: readonly C[]): C {
    const c = candidates[this.next++ % candidates.length];
    if (this.next > 1e9) this.next = 0;
    return c as C;
  }
}
