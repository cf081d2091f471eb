import { z } from 'zod';
import { STRATEGY_NAMES } from '@dsp/zookeeper';

/** Live configuration of the gateway, from `/config/gateway/<profile>/<key>` (changes apply without a restart). */
export const GATEWAY_LIVE_CONFIG = z.object({
  /** How the gateway picks a service instance from discovery. */
  'routing.strategy': z.enum(STRATEGY_NAMES as [string, ...string[]]).default('round-robin'),
  /** Window of the per-address login limit, in seconds (failures per account: user-service's `ratelimit.login.*`). */
  'ratelimit.login.windowSeconds': z.number().int().min(1).max(86_400).default(300),
  /** Login attempts per client IP per window before 429. */
  'ratelimit.login.ipAttempts': z.number().int().min(1).max(1_000_000).default(100),
});
