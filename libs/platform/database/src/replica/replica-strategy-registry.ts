import { RandomReplicaStrategy } from './random.strategy';
import type { ReplicaStrategy } from './replica-strategy';
import { RoundRobinReplicaStrategy } from './round-robin.strategy';
import { WeightedReplicaStrategy } from './weighted.strategy';

const FACTORIES: Record<string, () => ReplicaStrategy> = {
  'round-robin': () => new RoundRobinReplicaStrategy(),
  random: () => new RandomReplicaStrategy(),
  weighted: () => new WeightedReplicaStrategy(),
};

export const REPLICA_STRATEGY_NAMES = Object.keys(FACTORIES) as readonly string[];

/** Looks a replica load-balancing strategy up by name; an unknown name throws listing the valid ones. */
export function createReplicaStrategy(name: string): ReplicaStrategy {
  const make = FACTORIES[name];
  if (!make) throw new Error(`unknown replica strategy "${name}"; valid: ${REPLICA_STRATEGY_NAMES.join(', ')}`);
  return make();
}
