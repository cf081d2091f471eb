/**
 * Maps a sharding key to one of `slots` slots (slot = database x table).
 * Must be deterministic and stable: the same key always lands in the same slot.
 */
export interface ShardingAlgorithm {
  readonly name: string;
  slotOf(key: bigint, slots: number): number;
}
