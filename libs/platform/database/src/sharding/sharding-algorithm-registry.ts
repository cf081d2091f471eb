import { HashShardingAlgorithm } from './hash.algorithm';
import { ModShardingAlgorithm } from './mod.algorithm';
import { RangeShardingAlgorithm } from './range.algorithm';
import type { ShardingAlgorithm } from './sharding-algorithm';

const FACTORIES: Record<string, (props: { bounds?: readonly bigint[] }) => ShardingAlgorithm> = {
  mod: () => new ModShardingAlgorithm(),
  hash: () => new HashShardingAlgorithm(),
  range: (p) => new RangeShardingAlgorithm(p.bounds ?? []),
};

export const SHARDING_ALGORITHM_NAMES = Object.keys(FACTORIES) as readonly string[];

/** Looks a sharding algorithm up by name; an unknown name throws listing the valid ones. */
export function createShardingAlgorithm(name: string, props: { bounds?: readonly bigint[] } = {}): ShardingAlgorithm {
  const make = FACTORIES[name];
  if (!make) throw new Error(`unknown sharding algorithm "${name}"; valid: ${SHARDING_ALGORITHM_NAMES.join(', ')}`);
  return make(props);
}
