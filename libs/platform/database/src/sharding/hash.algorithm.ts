import type { ShardingAlgorithm } from './sharding-algorithm';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/**
 * FNV-1a (64-bit) of the key's decimal text, `mod slots`. Unlike `mod`, keys
 * that share a pattern (all even, all multiples of 4) still spread.
 */
export class HashShardingAlgorithm implements ShardingAlgorithm {
  readonly name = 'hash';

  slotOf(key: bigint, slots: number): number {
    let h = FNV_OFFSET;
    for (const ch of key.toString()) {
      h ^= BigInt(ch.charCodeAt(0));
      h = (h * FNV_PRIME) & MASK;
    }
    return Number(h % BigInt(slots));
  }
}
