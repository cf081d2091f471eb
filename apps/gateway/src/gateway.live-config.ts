import { z } from 'zod';
import { STRATEGY_NAMES } from '@dsp/zookeeper';

/** Live configuration of the gateway, from `/config/gateway/<profile>/<key>` (changes apply without a restart). */
export const GATEWAY_LIVE_CONFIG = z.object({
  /** How the gateway picks a service instance from discovery. */
  'routing.strategy': z.enum(STRATEGY_NAMES as [string, ...string[]]).default('round-robin'),
});
