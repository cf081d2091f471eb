/**
 * A fleet of its own for one measurement of the order path (the tracing cost, the profile, the
 * overload curves): user-service, order-service and gateway started with the environment asked for,
 * 200 buyers seeded through the gateway, and the `place-order` scenario's plan ready to run.
 */
import { localAdminToken } from '@dsp/contracts';
import { appInstance, startApp, stopApp, waitAppReady, type AppInstance, type AppName } from '@dsp/infra-stack';
import { runLoad, scenario, type LoadOptions, type LoadResult, type RequestPlan, type ScenarioContext } from '@dsp/load-kit';
import { seedBuyers } from '@dsp/ops';

/** One measured run of {@link ordersThroughFreshFleet}: its load result, when (wall clock) it ran, and when each app exited. */
export interface FleetRun {
  result: LoadResult;
  measuredFromMs: number;
  measuredToMs: number;
  exitedAtMs: Partial<Record<AppName, number>>;
}

export interface OrderFleetOptions {
  /** Also run the console beside the fleet, polling every server as `npm start` runs it. */
  withConsole?: boolean;
  /** Node flags of each app (e.g. `--cpu-prof`). */
  nodeArgsOf?: (app: AppName) => string[];
  /** Instances of each service (user-service, order-service, gateway). @default 1 */
  instances?: number;
}

/** What {@link withOrderFleet} hands its work: the gateway, and a runner of `POST /api/orders` load on it. */
export interface OrderFleet {
  /** The first gateway. */
  gatewayUrl: string;
  /** Every gateway, one per instance. */
  gatewayUrls: string[];
  /** Places orders through a gateway (the first by default), each from one of the seeded buyers in turn. */
  run(options: LoadOptions, gatewayUrl?: string): Promise<LoadResult>;
  /** The running processes, for their CPU time. */
  apps: readonly AppInstance[];
}

/**
 * Starts the fleet (user-service, order-service, gateway; and the console when asked) with `env`, seeds
 * 200 buyers, runs `work`, and stops the fleet whatever `work` did (SIGTERM: each process exits by
 * itself, so a `--cpu-prof` among its Node flags writes its profile). `exitedAtMs` is filled in as
 * each app exits.
 */
export async function withOrderFleet<T>(
  prefix: string,
  env: NodeJS.ProcessEnv,
  progress: (s: string) => void,
  options: OrderFleetOptions,
  work: (fleet: OrderFleet) => Promise<T>,
  exitedAtMs: Partial<Record<AppName, number>> = {},
): Promise<T> {
  const args = (app: AppName): string[] => options.nodeArgsOf?.(app) ?? [];
  const n = Array.from({ length: options.instances ?? 1 }, (_, i) => i + 1);
  const services = n.flatMap((k) => [
    appInstance('user-service', `${prefix}-user-service-${k}`, env, args('user-service')),
    appInstance('order-service', `${prefix}-order-service-${k}`, env, args('order-service')),
  ]);
  const gateways = n.map((k) => appInstance('gateway', `${prefix}-gateway-${k}`, { PORT: '0', ...env }, args('gateway')));
  const fleet: AppInstance[] = [...services, ...gateways];
  try {
    await Promise.all(services.map((i) => startApp(i)));
    await Promise.all(gateways.map((i) => startApp(i)));
    const gatewayUrls = gateways.map((g) => String(g.url));
    const gatewayUrl = gatewayUrls[0] as string;
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
      stock: 0,
      progress,
    };
    const s = scenario('place-order');
    const { plan }: { plan: RequestPlan } = await s.prepare(ctx);
    return await work({ gatewayUrl, gatewayUrls, apps: fleet, run: (o, url = gatewayUrl) => runLoad(s.name, url, plan, o) });
  } finally {
    await Promise.all(fleet.map(async (i) => (await stopApp(i), (exitedAtMs[i.app] = Date.now()))));
  }
}

/**
 * {@link withOrderFleet}, warmed up with 300 orders, then `orders` placed through the gateway on 32
 * connections as fast as it answers.
 */
export async function ordersThroughFreshFleet(
  prefix: string,
  env: NodeJS.ProcessEnv,
  orders: number,
  progress: (s: string) => void,
  options: OrderFleetOptions & { what: string },
): Promise<FleetRun> {
  const exitedAtMs: FleetRun['exitedAtMs'] = {};
  const measured = await withOrderFleet(
    prefix,
    env,
    progress,
    options,
    async (fleet) => {
      // A short warm-up at the same concurrency, so every run is measured on a warm JIT and full pools.
      await fleet.run({ connections: 32, durationSeconds: 0, rate: 0, amount: Math.min(300, orders) });
      progress(`${options.what}: ${orders} orders, 32 connections`);
      const measuredFromMs = Date.now();
      const result = await fleet.run({ connections: 32, durationSeconds: 0, rate: 0, amount: orders });
      return { result, measuredFromMs, measuredToMs: Date.now() };
    },
    exitedAtMs,
  );
  return { ...measured, exitedAtMs };
}
