/**
 * What tracing costs the order path (issue 16): `POST /api/orders` through the
 * gateway, 32 connections, against a fresh fleet (gateway, user-service,
 * order-service) per mode, in turn:
 *
 * - `off`: `OTEL_SDK_DISABLED=true`, nothing patched, recorded or propagated (the floor);
 * - `default`: the services' defaults (10% of new traces recorded and sent to Zipkin);
 * - `all`: `TRACING_SAMPLE_RATIO=1`, every request recorded and sent;
 * - `console`: the defaults, with the console running beside the fleet as `npm start` runs it
 *   (its pollers read ZooKeeper, Kafka, both MariaDB clusters, Redis and Prometheus every
 *   `CONSOLE_POLL_MS`, 1 s by default, whether or not a browser looks).
 *
 * Each run gets its own buyers. The modes run interleaved, `BENCH_TRACE_ROUNDS` rounds (3 by
 * default); the report gives each mode's median 2xx/s and its ratio to `off` taken round by round.
 */
import type { LoadResult } from '@dsp/load-kit';
import { ordersThroughFreshFleet } from './order-fleet';

export type TracingMode = 'off' | 'default' | 'all' | 'console';

export const TRACING_MODES: Record<TracingMode, { env: NodeJS.ProcessEnv; what: string }> = {
  off: { env: { OTEL_SDK_DISABLED: 'true' }, what: 'telemetry off (OTEL_SDK_DISABLED=true)' },
  default: { env: {}, what: 'tracing at its default (10% sampled, exported to Zipkin)' },
  all: { env: { TRACING_SAMPLE_RATIO: '1' }, what: 'tracing at 100% (every request exported)' },
  console: { env: {}, what: 'tracing at its default, with the console polling every server (CONSOLE_POLL_MS 1000)' },
};

/** One mode's runs, one per round, and the one with the median 2xx/s (whose latencies the report shows). */
export interface TracingCostRow {
  mode: TracingMode;
  what: string;
  /** Each round's run of this mode, round 1 first. */
  runs: LoadResult[];
  /** The run with the median 2xx/s. */
  result: LoadResult;
}

/** A mode's cost against `off`: its 2xx/s over off's in the same round, per round, and their median. */
export interface TracingRatio {
  perRound: number[];
  median: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** The run whose 2xx/s is the median of `runs` (the lower middle one when there are an even number). */
export function medianRun(runs: LoadResult[]): LoadResult {
  if (runs.length === 0) throw new Error('medianRun: no runs');
  const sorted = [...runs].sort((a, b) => a.successesPerSec - b.successesPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)] as LoadResult;
}

/**
 * `mode`'s 2xx/s over `off`'s, round by round (each round ran every mode once, on the same machine
 * within a minute or two of each other), and the median of those ratios. Pairing by round keeps the
 * machine's drift over a long bench (page cache, binlogs, the JIT of the servers) out of the ratio.
 */
export function tracingRatio(rows: TracingCostRow[], mode: TracingMode): TracingRatio {
  const off = rows.find((r) => r.mode === 'off');
  const row = rows.find((r) => r.mode === mode);
  if (!off || !row) throw new Error(`tracingRatio: no ${off ? mode : 'off'} runs`);
  if (off.runs.length !== row.runs.length) throw new Error(`tracingRatio: ${off.runs.length} off runs, ${row.runs.length} ${mode} runs`);
  const perRound = row.runs.map((r, i) => r.successesPerSec / (off.runs[i] as LoadResult).successesPerSec);
  return { perRound, median: median(perRound) };
}

const TRACING_ORDER: readonly TracingMode[] = ['off', 'default', 'all', 'console'];

/** The order in which round `round` (0-based) runs the modes: each round starts one mode later, so no mode always runs first. */
export function roundOrder(round: number, modes: readonly TracingMode[] = TRACING_ORDER): TracingMode[] {
  return modes.map((_, i) => modes[(i + round) % modes.length] as TracingMode);
}

/**
 * Runs every mode once per round, `rounds` rounds, interleaved (off, default, all, console; then
 * default, all, console, off; ...), so a mode's ratio to `off` is taken within a round and the
 * report's goal is the median of those. One run per mode swung 117-166 orders/s between fresh
 * fleets of the same mode in one session: a single pair cannot tell a 10% cost from noise.
 */
export async function tracingCost(orders: number, progress: (s: string) => void, rounds = 3): Promise<TracingCostRow[]> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`tracingCost: rounds must be a positive integer, got ${rounds}`);
  const runs: Record<TracingMode, LoadResult[]> = { off: [], default: [], all: [], console: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of roundOrder(round)) {
      const { env, what } = TRACING_MODES[mode];
      const { result } = await ordersThroughFreshFleet(`bench-trace-${mode}-${round + 1}`, env, orders, progress, {
        withConsole: mode === 'console',
        what: `tracing cost, round ${round + 1} of ${rounds}: ${what}`,
      });
      runs[mode].push(result);
    }
  }
  return TRACING_ORDER.map((mode) => ({ mode, what: TRACING_MODES[mode].what, runs: runs[mode], result: medianRun(runs[mode]) }));
}
