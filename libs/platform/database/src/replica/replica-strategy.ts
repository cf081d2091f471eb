/** A replica that may serve a read, as a strategy sees it. */
export interface ReplicaCandidate {
  label: string;
  /** Relative share of reads for the weighted strategy. */
  weight: number;
}

/** Picks the replica for one read among the usable ones (never called with an empty list). */
export interface ReplicaStrategy {
  readonly name: string;
  select<C extends ReplicaCandidate>(candidates: readonly C[]): C;
}
