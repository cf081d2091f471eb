import { ConsistentHashStrategy } from './consistent-hash.strategy';
import { LeastOutstandingStrategy } from './least-outstanding.strategy';
import { RandomStrategy } from './random.strategy';
import { RoundRobinStrategy } from './round-robin.strategy';
import type { SelectionStrategy } from './selection-strategy';

const FACTORIES: Record<string, () => SelectionStrategy> = {
  'round-robin': () => new RoundRobinStrategy(),
  random: () => new RandomStrategy(),
  'least-outstanding': () => new LeastOutstandingStrategy(),
  'consistent-hash': () => new ConsistentHashStrategy(),
};

export const STRATEGY_NAMES = Object.keys(FACTORIES);

/** A new strategy by name; throws naming the unknown value and the valid ones. */
export function createStrategy(name: string): SelectionStrategy {
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`unknown selection strategy "${name}"; valid: ${STRATEGY_NAMES.join(', ')}`);
  return factory();
}
