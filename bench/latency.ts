/** Latency arithmetic shared by the benchmarks (the load kit has its own, from autocannon's events). */

/** The p-th percentile (0..1) of an ascending list, nearest-rank; 0 for an empty list. */
export function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1))] as number;
}

export interface LatencySummary {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ops: number;
}

/** Sorts `latenciesMs` in place and summarises them over `seconds` of wall time. */
export function summarize(latenciesMs: number[], seconds: number): LatencySummary {
  latenciesMs.sort((a, b) => a - b);
  return { opsPerSec: latenciesMs.length / seconds, p50Ms: pct(latenciesMs, 0.5), p99Ms: pct(latenciesMs, 0.99), ops: latenciesMs.length };
}

/** Seconds since `t0` (from `process.hrtime.bigint()`). */
export function secondsSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
