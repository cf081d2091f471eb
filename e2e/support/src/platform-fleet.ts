import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ZK_IDENTITIES, type ZkIdentity } from '@dsp/contracts';
import { ConfigCenter } from '@dsp/zookeeper';
import { spawnService, type SpawnedService } from './spawn-service';
import { testLogger } from './test-logger';
import { connectedZk } from './zookeeper-helpers';

/** Live-config profile e2e fleets follow, so tests never touch the `local` profile people use. */
export const E2E_PROFILE = 'e2e';

/**
 * Writes live config of `app` in the e2e profile as the operator would (zkCli
 * with `addauth digest dsp-operator:...`); the nodes get the app's own ACL, so
 * the app can still change them through its admin API.
 */
export async function setLiveConfig<S extends z.ZodObject>(app: string, schema: S, values: Partial<z.infer<S>>): Promise<void> {
  const owner = (ZK_IDENTITIES as Record<string, ZkIdentity | undefined>)[app];
  if (!owner) throw new Error(`setLiveConfig: no ZooKeeper identity for "${app}"`);
  const zk = await connectedZk({}, 'e2e-config');
  const cc = new ConfigCenter(zk, testLogger(), { app, profile: E2E_PROFILE, schema, writer: owner });
  try {
    for (const [k, v] of Object.entries(values)) await cc.writer.set(k, v, 'e2e');
  } finally {
    await cc.close();
    await zk.close();
  }
}

export interface PlatformFleet {
  gateway: SpawnedService;
  users: SpawnedService[];
  orders: SpawnedService[];
  stop(): Promise<void>;
}

export interface FleetOptions {
  users?: number;
  orders?: number;
  /** Environment for every process. */
  env?: NodeJS.ProcessEnv;
  /** Extra environment per service. */
  userEnv?: NodeJS.ProcessEnv;
  orderEnv?: NodeJS.ProcessEnv;
  gatewayEnv?: NodeJS.ProcessEnv;
}

/**
 * A gateway plus user-service and order-service instances as real processes on
 * free ports, registered in ZooKeeper, following the e2e config profile, with
 * a 2 s ZooKeeper session.
 */
/** The per-address limits the suites lift: they register and log in hundreds of users from 127.0.0.1. */
const E2E_USER_LIMITS = z.object({ 'ratelimit.register.ipAttempts': z.number().int().min(1).default(20) });
const E2E_GATEWAY_LIMITS = z.object({ 'ratelimit.login.ipAttempts': z.number().int().min(1).default(100) });

/**
 * Lifts the per-address registration (user-service) and login (gateway) limits
 * in the e2e profile; suites that test a limit lower it themselves and lift it
 * again.
 */
export async function liftAddressLimits(): Promise<void> {
  await setLiveConfig('user-service', E2E_USER_LIMITS, { 'ratelimit.register.ipAttempts': 1_000_000 });
  await setLiveConfig('gateway', E2E_GATEWAY_LIMITS, { 'ratelimit.login.ipAttempts': 100_000 });
}

export async function startPlatform(opts: FleetOptions = {}): Promise<PlatformFleet> {
  const tag = randomUUID().slice(0, 6);
  await liftAddressLimits();
  const common = { PORT: '0', CONFIG_PROFILE: E2E_PROFILE, ZK_SESSION_TIMEOUT_MS: '2000', ...opts.env };
  // Started with allSettled so that when one fails to boot, the others are stopped instead of leaking.
  const spawned = await Promise.allSettled([
    ...Array.from({ length: opts.users ?? 1 }, (_, i) =>
      spawnService('user-service', { ...common, ...opts.userEnv, INSTANCE_ID: `e2e-us-${tag}-${i}` }, 60_000),
    ),
    ...Array.from({ length: opts.orders ?? 0 }, (_, i) =>
      spawnService('order-service', { ...common, ...opts.orderEnv, INSTANCE_ID: `e2e-os-${tag}-${i}` }, 60_000),
    ),
  ]);
  const started = spawned.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = spawned.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  let gateway: SpawnedService;
  try {
    if (failed) throw failed.reason;
    gateway = await spawnService('gateway', { ...common, ...opts.gatewayEnv, INSTANCE_ID: `e2e-gw-${tag}` }, 60_000);
  } catch (e) {
    await Promise.all(started.map((s) => s.stop()));
    throw e;
  }
  const users = started.slice(0, opts.users ?? 1);
  const orders = started.slice(opts.users ?? 1);
  return {
    gateway,
    users,
    orders,
    async stop() {
      await Promise.all([gateway.stop(), ...users.map((u) => u.stop()), ...orders.map((o) => o.stop())]);
    },
  };
}

/** A unique, valid username. */
export function uniqueUsername(prefix = 'u'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}
