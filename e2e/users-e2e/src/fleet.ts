import { z } from 'zod';
import { setLiveConfig, startPlatform, uniqueUsername, type PlatformFleet } from '@dsp/testing';

/** The gateway keys these tests change (a subset of its live schema). */
const GATEWAY_KEYS = z.object({
  'ratelimit.login.ipAttempts': z.number().int().min(1).default(100),
  'ratelimit.login.windowSeconds': z.number().int().min(1).default(300),
});

export function setGatewayConfig(values: Partial<z.infer<typeof GATEWAY_KEYS>>): Promise<void> {
  return setLiveConfig('gateway', GATEWAY_KEYS, values);
}

export type Fleet = PlatformFleet;

/** A gateway and `n` user-service instances. */
export function startFleet(n: number, env: NodeJS.ProcessEnv = {}): Promise<Fleet> {
  return startPlatform({ users: n, env });
}

export const username = uniqueUsername;
