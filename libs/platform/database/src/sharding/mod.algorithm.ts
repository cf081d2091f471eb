import type { ShardingAlgorithm } from './sharding-algorithm';

/**
 * `key mod slots`. With 2 databases x 2 tables this is the platform's default
 * rule: database = userId mod 2, table = floor(userId / 2) mod 2. Spreads
 * sequential ids evenly; adding slots moves most keys.
 */
export class ModShardingAlgorithm implements ShardingAlgorithm {
  readonly name = 'mod';

  slotOf(key: bigint, slots: number): number {
    if (key < 0n) throw new Error(`sharding key must be >= 0, got ${key}`);
    return Number(key % BigInt(slots));
  }
}
