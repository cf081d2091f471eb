/** The clock went backwards: ids made now could repeat earlier ones, so none are made. */
export class ClockMovedBackwardsError extends Error {
  constructor(
    readonly lastMs: number,
    readonly nowMs: number,
  ) {
    super(`clock moved backwards by ${lastMs - nowMs} ms; refusing to generate ids`);
  }
}

export interface SnowflakeOptions {
  /** Custom epoch (ms); 41 timestamp bits last ~69 years from it. @default Date.UTC(2025, 0, 1) */
  epochMs: number;
  /** Bits of the shard gene at the end of the id (2 -> 4 slots). @default 2 */
  geneBits: number;
  /** Bits of the worker id. @default 10 */
  workerBits: number;
  /** Clock, injectable for tests. @default Date.now */
  now: () => number;
}

export const DEFAULT_SNOWFLAKE_OPTIONS: SnowflakeOptions = {
  epochMs: Date.UTC(2025, 0, 1),
  geneBits: 2,
  workerBits: 10,
  now: Date.now,
};

const TIMESTAMP_BITS = 41n;
const TOTAL_BITS = 63n;

/** The parts of an id. */
export interface SnowflakeParts {
  timestampMs: number;
  workerId: number;
  sequence: number;
  gene: number;
}

/**
 * 63-bit ids that grow with time: `timestamp(41) | worker | sequence | gene`.
 * Unique while worker ids are (they come from ZooKeeper's
 * `WorkerIdAllocator`) and the clock does not go backwards (refused with
 * {@link ClockMovedBackwardsError}). The low `geneBits` carry the shard slot of
 * the row's sharding key (the "gene"), so an order found by id goes to exactly
 * one table without knowing its user.
 */
export class SnowflakeIdGenerator {
  private readonly options: SnowflakeOptions;
  private readonly sequenceBits: bigint;
  private lastMs = -1;
  private sequence = 0;

  constructor(
    readonly workerId: number,
    options: Partial<SnowflakeOptions> = {},
  ) {
    this.options = { ...DEFAULT_SNOWFLAKE_OPTIONS, ...options };
    const { geneBits, workerBits } = this.options;
    this.sequenceBits = TOTAL_BITS - TIMESTAMP_BITS - BigInt(workerBits) - BigInt(geneBits);
    if (geneBits < 0 || workerBits < 1 || this.sequenceBits < 4n)
      throw new Error('SnowflakeIdGenerator: bit layout leaves < 4 sequence bits');
    if (!Number.isInteger(workerId) || workerId < 0 || workerId >= 2 ** workerBits) {
      throw new Error(`worker id ${workerId} outside 0..${2 ** workerBits - 1}`);
    }
  }

  /** A new id carrying `gene` (the shard slot) in its low bits. */
  next(gene: number): bigint {
    const { geneBits } = this.options;
    if (!Number.isInteger(gene) || gene < 0 || gene >= 2 ** geneBits) throw new Error(`gene ${gene} outside 0..${2 ** geneBits - 1}`);
    let now = this.options.now();
    if (now < this.lastMs) throw new ClockMovedBackwardsError(this.lastMs, now);
    const maxSeq = 2 ** Number(this.sequenceBits) - 1;
    if (now === this.lastMs) {
      this.sequence++;
      if (this.sequence > maxSeq) {
        while (now <= this.lastMs) now = this.options.now();
        this.sequence = 0;
      }
    } else {
      this.sequence = 0;
    }
    this.lastMs = now;
    const ts = BigInt(now - this.options.epochMs);
    const wb = BigInt(this.options.workerBits);
    const gb = BigInt(geneBits);
    return (
      (ts << (wb + this.sequenceBits + gb)) |
      (BigInt(this.workerId) << (this.sequenceBits + gb)) |
      (BigInt(this.sequence) << gb) |
      BigInt(gene)
    );
  }

  /** Splits an id into its parts. */
  parse(id: bigint): SnowflakeParts {
    return SnowflakeIdGenerator.parse(id, this.options);
  }

  static parse(id: bigint, options: Partial<SnowflakeOptions> = {}): SnowflakeParts {
    const { geneBits, workerBits, epochMs } = { ...DEFAULT_SNOWFLAKE_OPTIONS, ...options };
    const seqBits = TOTAL_BITS - TIMESTAMP_BITS - BigInt(workerBits) - BigInt(geneBits);
    const gb = BigInt(geneBits);
    const wb = BigInt(workerBits);
    return {
      gene: Number(id & ((1n << gb) - 1n)),
      sequence: Number((id >> gb) & ((1n << seqBits) - 1n)),
      workerId: Number((id >> (gb + seqBits)) & ((1n << wb) - 1n)),
      timestampMs: Number(id >> (gb + seqBits + wb)) + epochMs,
    };
  }

  /** The gene (shard slot) of an id. */
  static geneOf(id: bigint, geneBits = DEFAULT_SNOWFLAKE_OPTIONS.geneBits): number {
    return Number(id & ((1n << BigInt(geneBits)) - 1n));
  }
}
