import type { ReadWriteDataSource } from '../read-write-data-source';
import { mergeSorted } from './keyset-cursor';
import { ShardingRule, type ShardLocation } from './sharding-rule';
import { DEFAULT_SNOWFLAKE_OPTIONS, SnowflakeIdGenerator } from './snowflake-id-generator';

/** A query without the sharding key that may not fan out to every shard. Maps to 400. */
export class MissingShardingKeyError extends Error {
  constructor(what: string) {
    super(`${what} needs the sharding key (user id or order id); scatter to every shard is not allowed here`);
  }
}

/** One physical shard: a slot, its data source, and the physical names of its binding tables. */
export interface ShardTarget {
  location: ShardLocation;
  source: ReadWriteDataSource;
  /** `orders` -> `orders_1` in this shard. */
  table(logical: string): string;
}

/**
 * Client-side sharding in the ShardingSphere-JDBC style: the application
 * names the logical table and gives the sharding key; the router says which
 * database and physical table hold it.
 *
 * - By key (user id): exactly one shard.
 * - By id: the id's gene (low bits of a snowflake id) is the slot: exactly one
 *   shard, without knowing the user.
 * - Without either: only through `all({ allowScatter: true })`; otherwise a
 *   {@link MissingShardingKeyError}, never a guess.
 * - `scatterGather` queries every shard in parallel and merges sorted pages,
 *   keeping ORDER BY and LIMIT exact (each shard returns its own first
 *   `limit` rows after the keyset cursor).
 */
export class ShardRouter {
  constructor(
    readonly rule: ShardingRule,
    private readonly sourceOf: (name: string) => ReadWriteDataSource,
    private readonly geneBits = DEFAULT_SNOWFLAKE_OPTIONS.geneBits,
  ) {
    if (2 ** geneBits < rule.slots) throw new Error(`${geneBits} gene bits cannot name ${rule.slots} slots`);
  }

  private target(location: ShardLocation): ShardTarget {
    return { location, source: this.sourceOf(location.database), table: (logical) => ShardingRule.table(logical, location) };
  }

  byKey(key: bigint): ShardTarget {
    return this.target(this.rule.locate(key));
  }

  byId(id: bigint): ShardTarget {
    return this.target(this.rule.locateSlot(SnowflakeIdGenerator.geneOf(id, this.geneBits) % this.rule.slots));
  }

  /** The gene to embed in ids of rows whose sharding key is `key`. */
  geneFor(key: bigint): number {
    return this.rule.slotOf(key);
  }

  all(opts: { allowScatter: boolean; what: string }): ShardTarget[] {
    if (!opts.allowScatter) throw new MissingShardingKeyError(opts.what);
    return this.rule.all().map((l) => this.target(l));
  }

  /** Runs `query` on every shard in parallel and merges the sorted results, first `limit` kept. */
  async scatterGather<T>(
    what: string,
    query: (t: ShardTarget) => Promise<T[]>,
    compare: (a: T, b: T) => number,
    limit: number,
  ): Promise<T[]> {
    const targets = this.all({ allowScatter: true, what });
    const pages = await Promise.all(targets.map((t) => query(t)));
    return mergeSorted(pages, compare, limit);
  }
}
