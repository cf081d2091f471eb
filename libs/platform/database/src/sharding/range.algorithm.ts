import type { ShardingAlgorithm } from './sharding-algorithm';

/**
 * Key ranges: slot i holds keys in `[bounds[i-1], bounds[i])` (slot 0 from 0,
 * the last slot up to infinity). Keeps neighbouring keys together, so range
 * scans touch one slot; new keys all land in the last slot (a hot spot).
 */
export class RangeShardingAlgorithm implements ShardingAlgorithm {
  readonly name = 'range';

  constructor(private readonly bounds: readonly bigint[]) {
    for (let i = 1; i < bounds.length; i++) {
      if ((bounds[i] as bigint) <= (bounds[i - 1] as bigint)) throw new Error('range bounds must increase strictly');
    }
  }

  slotOf(key: bigint, slots: number): number {
    if (this.bounds.length !== slots - 1)
      throw new Error(`range algorithm needs ${slots - 1} bounds for ${slots} slots, has ${this.bounds.length}`);
    const i = this.bounds.findIndex((b) => key < b);
    return i === -1 ? slots - 1 : i;
  }
}
