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
 * Each run gets its own buyers; the report gives each mode's 2xx/s beside the floor.
 */
import { localAdminToken } from '@dsp/contracts';
import { appInstance, startApp, stopApp, waitAppReady, type AppInstance, type AppName } from '@dsp/infra-stack';
import { runLoad, scenario, type LoadResult, type ScenarioContext } from '@dsp/load-kit';
import { seedBuyers } from '@dsp/ops';

export type TracingMode = 'off' | 'default' | 'all' | 'console';

export const TRACING_MODES: Record<TracingMode, { env: NodeJS.ProcessEnv; what: string }> = {
  off: { env: { OTEL_SDK_DISABLED: 'true' }, what: 'telemetry off (OTEL_SDK_DISABLED=true)' },
  default: { env: {}, what: 'tracing at its default (10% sampled, exported to Zipkin)' },
  all: { env: { TRACING_SAMPLE_RATIO: '1' }, what: 'tracing at 100% (every request exported)' },
  console: { env: {}, what: 'tracing at its default, with the console polling every server (CONSOLE_POLL_MS 1000)' },
};

export interface TracingCostRow {
  mode: TracingMode;
  what: string;
  result: LoadResult;
}

export async function tracingCost(orders: number, progress: (s: string) => void): Promise<TracingCostRow[]> {
  const rows: TracingCostRow[] = [];
  for (const mode of ['off', 'default', 'all', 'console'] as const) {
    const { env, what } = TRACING_MODES[mode];
    const { result } = await ordersThroughFreshFleet(`bench-trace-${mode}`, env, orders, progress, {
      withConsole: mode === 'console',
      what: `tracing cost: ${what}`,
    });
    rows.push({ mode, what, result });
  }
  return rows;
}

/** One measured run of {@link ordersThroughFreshFleet}: its load result, when (wall clock) it ran, and when each app exited. */
export interface FleetRun {
  result: LoadResult;
  measuredFromMs: number;
  measuredToMs: number;
  exitedAtMs: Partial<Record<AppName, number>>;
}

/**
 * Starts a fleet of its own (user-service, order-service, gateway; and the console when asked) with
 * `env` (and Node flags `nodeArgsOf(app)` for each), seeds 200 buyers, warms up with 300 orders, then places
 * `orders` through the gateway on 32 connections and stops the fleet (SIGTERM: each process exits
 * by itself, so a `--cpu-prof` among its Node flags writes its profile).
 */
export async function ordersThroughFreshFleet(
  prefix: string,
  env: NodeJS.ProcessEnv,
  orders: number,
  progress: (s: string) => void,
  options: { withConsole?: boolean; what: string; nodeArgsOf?: (app: AppName) => string[] },
): Promise<FleetRun> {
  const args = (app: AppName): string[] => options.nodeArgsOf?.(app) ?? [];
  const fleet: AppInstance[] = [
    appInstance('user-service', `${prefix}-user-service-1`, env, args('user-service')),
    appInstance('order-service', `${prefix}-order-service-1`, env, args('order-service')),
    appInstance('gateway', `${prefix}-gateway-1`, { PORT: '0', ...env }, args('gateway')),
  ];
  const exitedAtMs: FleetRun['exitedAtMs'] = {};
  try {
    await Promise.all(fleet.slice(0, 2).map((i) => startApp(i)));
    await startApp(fleet[2] as AppInstance);
    const gatewayUrl = String((fleet[2] as AppInstance).url);
    if (options.withConsole) {
      const console_ = appInstance('console', `${prefix}-console`, { CONSOLE_PORT: '0', GATEWAY_URL: gatewayUrl });
      fleet.push(console_);
      await startApp(console_);
    }
    await Promise.all(fleet.map((i) => waitAppReady(i)));
    const buyers = await seedBuyers({ gatewayUrl, count: 200 });
    const ctx: ScenarioContext = {
      gatewayUrl,
      buyers,
      buyerCount: buyers.length,
      seed: (count) => seedBuyers({ gatewayUrl, count }),
      adminToken: process.env['ADMIN_TOKEN'] ?? localAdminToken(),
      stock: orders,
      progress,
    };
    const s = scenario('place-order');
    const { plan } = await s.prepare(ctx);
    // A short warm-up at the same concurrency, so every run is measured on a warm JIT and full pools.
    await runLoad(s.name, gatewayUrl, plan, { connections: 32, durationSeconds: 0, rate: 0, amount: Math.min(300, orders) });
    progress(`${options.what}: ${orders} orders, 32 connections`);
    const measuredFromMs = Date.now();
    const result = await runLoad(s.name, gatewayUrl, plan, { connections: 32, durationSeconds: 0, rate: 0, amount: orders });
    return { result, measuredFromMs, measuredToMs: Date.now(), exitedAtMs };
  } finally {
    await Promise.all(fleet.map(async (i) => (await stopApp(i), (exitedAtMs[i.app] = Date.now()))));
  }
}
