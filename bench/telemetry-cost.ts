/**
 * What tracing costs the order path (issue 16): `POST /api/orders` through the
 * gateway, 32 connections, against a fresh fleet (gateway, user-service,
 * order-service) per mode, in turn:
 *
 * - `off`: `OTEL_SDK_DISABLED=true`, nothing patched, recorded or propagated (the floor);
 * - `default`: the services' defaults (10% of new traces recorded and sent to Zipkin);
 * - `all`: `TRACING_SAMPLE_RATIO=1`, every request recorded and sent.
 *
 * Each run gets its own buyers; the report gives each mode's 2xx/s beside the floor.
 */
import { localAdminToken } from '@dsp/contracts';
import { appInstance, startApp, stopApp, waitAppReady, type AppInstance } from '@dsp/infra-stack';
import { runLoad, scenario, type LoadResult, type ScenarioContext } from '@dsp/load-kit';
import { seedBuyers } from '@dsp/ops';

export type TracingMode = 'off' | 'default' | 'all';

export const TRACING_MODES: Record<TracingMode, { env: NodeJS.ProcessEnv; what: string }> = {
  off: { env: { OTEL_SDK_DISABLED: 'true' }, what: 'telemetry off (OTEL_SDK_DISABLED=true)' },
  default: { env: {}, what: 'tracing at its default (10% sampled, exported to Zipkin)' },
  all: { env: { TRACING_SAMPLE_RATIO: '1' }, what: 'tracing at 100% (every request exported)' },
};

export interface TracingCostRow {
  mode: TracingMode;
  what: string;
  result: LoadResult;
}

export async function tracingCost(orders: number, progress: (s: string) => void): Promise<TracingCostRow[]> {
  const rows: TracingCostRow[] = [];
  for (const mode of ['off', 'default', 'all'] as const) {
    const { env, what } = TRACING_MODES[mode];
    const fleet: AppInstance[] = [
      appInstance('user-service', `bench-trace-${mode}-user-service-1`, env),
      appInstance('order-service', `bench-trace-${mode}-order-service-1`, env),
      appInstance('gateway', `bench-trace-${mode}-gateway-1`, { PORT: '0', ...env }),
    ];
    try {
      await Promise.all(fleet.slice(0, 2).map((i) => startApp(i)));
      await startApp(fleet[2] as AppInstance);
      await Promise.all(fleet.map((i) => waitAppReady(i)));
      const gatewayUrl = String((fleet[2] as AppInstance).url);
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
      // A short warm-up at the same concurrency, so every mode is measured on a warm JIT and full pools.
      await runLoad(s.name, gatewayUrl, plan, { connections: 32, durationSeconds: 0, rate: 0, amount: Math.min(300, orders) });
      progress(`tracing cost: ${what}: ${orders} orders, 32 connections`);
      const result = await runLoad(s.name, gatewayUrl, plan, { connections: 32, durationSeconds: 0, rate: 0, amount: orders });
      rows.push({ mode, what, result });
    } finally {
      await Promise.all(fleet.map((i) => stopApp(i)));
    }
  }
  return rows;
}
