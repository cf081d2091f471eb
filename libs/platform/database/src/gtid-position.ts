/**
 * A MariaDB GTID position: for each replication domain, the highest sequence
 * number seen (`domain-server-seq[,domain-server-seq...]`, as in
 * `@@gtid_binlog_pos` and `@@gtid_slave_pos`). Sequence numbers grow
 * monotonically within a domain, so "position A has applied everything in B"
 * is a per-domain comparison of sequence numbers.
 */
export class GtidPosition {
  private constructor(private readonly seqByDomain: ReadonlyMap<number, bigint>) {}

  static readonly EMPTY = new GtidPosition(new Map());

  /** Parses `0-1-42,1-2-7`; an empty string is the empty position. Throws naming the bad text. */
  static parse(text: string | null | undefined): GtidPosition {
    const trimmed = (text ?? '').trim();
    if (trimmed === '') return GtidPosition.EMPTY;
    const map = new Map<number, bigint>();
    for (const part of trimmed.split(',')) {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(part.trim());
      if (!m) throw new Error(`not a GTID position: "${text}"`);
      const domain = Number(m[1]);
      const seq = BigInt(m[3] as string);
      const prev = map.get(domain);
      if (prev === undefined || seq > prev) map.set(domain, seq);
    }
    return new GtidPosition(map);
  }

  /** True when this position includes every transaction of `target` (per domain, seq >= target's). */
  covers(target: GtidPosition): boolean {
    for (const [domain, seq] of target.seqByDomain) {
      const mine = this.seqByDomain.get(domain);
      if (mine === undefined || mine < seq) return false;
    }
    return true;
  }

  /** How many transactions of `ahead` this position has not applied yet (summed over domains). */
  behind(ahead: GtidPosition): bigint {
    let n = 0n;
    for (const [domain, seq] of ahead.seqByDomain) {
      const mine = this.seqByDomain.get(domain) ?? 0n;
      if (seq > mine) n += seq - mine;
    }
    return n;
  }

  isEmpty(): boolean {
    return this.seqByDomain.size === 0;
  }

  /** `domain-0-seq` per domain: the server id is not needed to compare positions. */
  toString(): string {
    return [...this.seqByDomain]
      .sort(([a], [b]) => a - b)
      .map(([d, s]) => `${d}-0-${s}`)
      .join(',');
  }
}
