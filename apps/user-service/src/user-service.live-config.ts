import { z } from 'zod';

/** Live configuration of user-service, from `/config/user-service/<profile>/<key>` (applies to new sessions). */
export const USER_SERVICE_LIVE_CONFIG = z.object({
  /** Sliding idle timeout of a session, in seconds. */
  'session.idleTimeoutSeconds': z.number().int().min(2).max(86_400).default(1800),
  /** Absolute lifetime of a session, in seconds (never shorter than the idle timeout). */
  'session.absoluteTimeoutSeconds': z
    .number()
    .int()
    .min(5)
    .max(30 * 86_400)
    .default(43_200),
});
