/**
 * The order path past saturation (issue 17, docs/overload.md): `POST /api/orders` through the gateway,
 * offered at a fixed pace that does not wait for answers (many connections, `overallRate`), at 0.5x,
 * 1x, 1.5x and 2x the rate the fleet sustains, once with the admission gate at its defaults and once
 * with it off (`MAX_IN_FLIGHT=0`), a fresh fleet each.
 *
 * The saturation rate S is measured first, on the gated fleet: orders as fast as it answers on as
 * many connections as the gate has slots (128), the most it works on at once (the order path's
 * throughput still grows past 32 in flight: MariaDB commits more transactions per fsync). Without the gate every request waits in a queue that grows with the offered load; with
 * it the fleet works on at most `MAX_IN_FLIGHT` per instance, admitted requests wait a bounded time,
 * and the excess gets a 503 with `Retry-After` at once.
 */
import { METRICS_IDENTITIES, metricsAuthorization } from '@dsp/contracts';
import type { LoadResult } from '@dsp/load-kit';
import { withOrderFleet, type OrderFleet } from './order-fleet';

export type GateMode = 'gate' | 'no-gate';

export const GATE_MODES: Record<GateMode, { env: NodeJS.ProcessEnv; what: string }> = {
  gate: { env: {}, what: 'admission gate at its defaults (MAX_IN_FLIGHT 128, MAX_QUEUE_MS 100)' },
  'no-gate': { env: { MAX_IN_FLIGHT: '0' }, what: 'no admission gate (MAX_IN_FLIGHT=0)' },
};

/** The gate's defaults, for the bound the report checks admitted latency against. */
export const GATE_DEFAULTS = { maxInFlight: 128, maxQueueMs: 100 };

export interface OverloadPoint {
  mode: GateMode;
  /** The offered rate as a multiple of the saturation rate. */
  multiple: number;
  offeredPerSec: number;
  result: LoadResult;
}

export interface OverloadResult {
  /** Orders/s the gated fleet sustains on `GATE_DEFAULTS.maxInFlight` connections, as fast as it answers. */
  saturationPerSec: number;
  saturation: LoadResult;
  /** Seconds each point ran, and the connections it was offered on. */
  seconds: number;
  connections: number;
  points: OverloadPoint[];
}

export interface OverloadOptions {
  /** Seconds per point (`BENCH_OVERLOAD_SECONDS`, 15). */
  seconds: number;
  /** Connections the paced load is offered on: enough that the pace, not the connections, sets the load (512). */
  connections: number;
  /** Offered rates as multiples of saturation. */
  multiples: readonly number[];
}

export const DEFAULT_OVERLOAD_OPTIONS: OverloadOptions = { seconds: 15, connections: 512, multiples: [0.5, 1, 1.5, 2] };

/** 2xx latency of a run (what an admitted request waited); `Infinity` when nothing was admitted, so a goal on it fails. */
export const admittedP99 = (r: LoadResult): number => (r.latencyByStatusMs['201'] ?? r.latencyByStatusMs['200'])?.p99 ?? Infinity;

/**
 * The admitted requests' p99 the gate promises at most, by Little's law: `maxInFlight` requests
 * served at `saturationPerSec` take `maxInFlight / saturationPerSec` seconds each, after at most
 * `maxQueueMs` in the queue.
 */
export const gateBoundMs = (saturationPerSec: number, gate = GATE_DEFAULTS): number =>
  (1000 * gate.maxInFlight) / saturationPerSec + gate.maxQueueMs;

export async function overloadCurves(
  progress: (s: string) => void,
  options: OverloadOptions = DEFAULT_OVERLOAD_OPTIONS,
): Promise<OverloadResult> {
  let saturation: LoadResult | undefined;
  const points: OverloadPoint[] = [];
  for (const mode of ['gate', 'no-gate'] as const) {
    await withOrderFleet(`bench-overload-${mode}`, GATE_MODES[mode].env, progress, {}, async (fleet) => {
      await fleet.run({ connections: 32, durationSeconds: 0, rate: 0, amount: 300 });
      if (!saturation) {
        const connections = GATE_DEFAULTS.maxInFlight;
        progress(`overload: the saturation rate, 2000 orders as fast as the gated fleet answers on ${connections} connections`);
        saturation = await fleet.run({ connections, durationSeconds: 0, rate: 0, amount: 2000 });
      }
      const s = saturation.successesPerSec;
      for (const multiple of options.multiples) {
        const offered = Math.max(1, Math.round(multiple * s));
        progress(
          `overload, ${GATE_MODES[mode].what}: ${offered} orders/s offered (${multiple}x of ${s.toFixed(0)}) for ${options.seconds} s`,
        );
        const result = await fleet.run({ connections: options.connections, durationSeconds: options.seconds, rate: offered });
        points.push({ mode, multiple, offeredPerSec: offered, result });
        await untilQuiet(fleet);
      }
    });
  }
  if (!saturation) throw new Error('overloadCurves: no saturation run');
  return { saturationPerSec: saturation.successesPerSec, saturation, seconds: options.seconds, connections: options.connections, points };
}

/**
 * Waits until the gateway has answered nothing for a second: a paced run ends by closing its
 * connections, which does not cancel what the gateway already forwarded, and the next point must
 * not start on the last one's backlog.
 */
async function untilQuiet(fleet: OrderFleet, timeoutMs = 60_000): Promise<void> {
  const headers = { authorization: metricsAuthorization(METRICS_IDENTITIES.operator) };
  const answered = async (): Promise<number> => {
    const text = await (await fetch(`${fleet.gatewayUrl}/metrics`, { headers })).text();
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith('http_requests_total{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  };
  const until = Date.now() + timeoutMs;
  let last = await answered();
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await answered();
    // The scrape itself is one answer.
    if (now - last <= 1) return;
    last = now;
  }
  throw new Error(`overload: the gateway was still answering the last point's backlog after ${timeoutMs} ms`);
}
