import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConfigCenter } from '@dsp/zookeeper';
import { connectedZk, spawnService, testLogger, type SpawnedService } from '@dsp/testing';

/** Live-config profile the e2e fleet follows, so tests never touch the `local` profile people use. */
export const E2E_PROFILE = 'e2e';

/** The gateway keys tests change (a subset of its live schema). */
const GATEWAY_KEYS = z.object({
  'ratelimit.login.ipAttempts': z.number().int().min(1).default(100),
  'ratelimit.login.userFailures': z.number().int().min(1).default(5),
  'ratelimit.login.windowSeconds': z.number().int().min(1).default(300),
});

/** Writes gateway live config in the e2e profile (digest writer credentials, as an operator would). */
export async function setGatewayConfig(values: Partial<z.infer<typeof GATEWAY_KEYS>>): Promise<void> {
  const zk = await connectedZk({ auth: [{ scheme: 'digest', auth: 'config-admin:config-admin-local-pw' }] }, 'e2e-config');
  const cc = new ConfigCenter(zk, testLogger(), {
    app: 'gateway',
    profile: E2E_PROFILE,
    schema: GATEWAY_KEYS,
    writer: { user: 'config-admin', password: 'config-admin-local-pw' },
  });
  try {
    for (const [k, v] of Object.entries(values)) await cc.set(k, v, 'users-e2e');
  } finally {
    await cc.close();
    await zk.close();
  }
}

export interface Fleet {
  gateway: SpawnedService;
  users: SpawnedService[];
  stop(): Promise<void>;
}

/** A gateway and `n` user-service instances on free ports, registered in ZooKeeper, following the e2e profile. */
export async function startFleet(n: number, env: NodeJS.ProcessEnv = {}): Promise<Fleet> {
  const tag = randomUUID().slice(0, 6);
  const common = { PORT: '0', CONFIG_PROFILE: E2E_PROFILE, ZK_SESSION_TIMEOUT_MS: '2000', ...env };
  const users = await Promise.all(
    Array.from({ length: n }, (_, i) => spawnService('user-service', { ...common, INSTANCE_ID: `e2e-us-${tag}-${i}` }, 60_000)),
  );
  const gateway = await spawnService('gateway', { ...common, INSTANCE_ID: `e2e-gw-${tag}` }, 60_000);
  return {
    gateway,
    users,
    async stop() {
      await Promise.all([gateway.stop(), ...users.map((u) => u.stop())]);
    },
  };
}

/** A unique, valid username. */
export function username(prefix = 'u'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}
