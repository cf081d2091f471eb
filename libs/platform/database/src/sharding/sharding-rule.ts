import type { ShardingAlgorithm } from './sharding-algorithm';

/** Where one slot lives: a logical data source (a database) and a table suffix. */
export interface ShardLocation {
  slot: number;
  /** Data source name, e.g. `order_db_1`. */
  database: string;
  /** Index of the table within the database: `orders_<table>`. */
  table: number;
}

/**
 * Horizontal sharding of a group of "binding" tables (orders, their items,
 * their outbox rows...) that always split the same way, so rows of one key
 * stay together and can share a local transaction. Slots are numbered
 * `0 .. databases x tablesPerDatabase - 1`; slot s lives in database
 * `s mod D`, table `floor(s / D) mod T`. With the `mod` algorithm and D = T = 2
 * this is: database = key mod 2, table = floor(key / 2) mod 2.
 */
export class ShardingRule {
  readonly slots: number;

  constructor(
    readonly databases: readonly string[],
    readonly tablesPerDatabase: number,
    readonly algorithm: ShardingAlgorithm,
  ) {
    if (databases.length < 1 || tablesPerDatabase < 1) throw new Error('ShardingRule: need at least one database and one table');
    this.slots = databases.length * tablesPerDatabase;
  }

  /** The slot that holds `key`. */
  slotOf(key: bigint): number {
    const slot = this.algorithm.slotOf(key, this.slots);
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slots) {
      throw new Error(`sharding algorithm ${this.algorithm.name} returned slot ${slot} outside 0..${this.slots - 1}`);
    }
    return slot;
  }

  locate(key: bigint): ShardLocation {
    return this.locateSlot(this.slotOf(key));
  }

  locateSlot(slot: number): ShardLocation {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slots) throw new Error(`no slot ${slot}; slots are 0..${this.slots - 1}`);
    const d = this.databases.length;
    return { slot, database: this.databases[slot % d] as string, table: Math.floor(slot / d) % this.tablesPerDatabase };
  }

  /** Every slot, for scatter-gather and for checking placement. */
  all(): ShardLocation[] {
    return Array.from({ length: this.slots }, (_, s) => this.locateSlot(s));
  }

  /** The physical name of a binding table in a location: `orders` -> `orders_1`. */
  static table(logical: string, loc: ShardLocation): string {
    if (!/^[a-z_]+$/.test(logical)) throw new Error(`invalid logical table "${logical}"`);
    return `${logical}_${loc.table}`;
  }
}
