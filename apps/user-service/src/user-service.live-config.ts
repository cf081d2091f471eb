import { z } from 'zod';

/** Live configuration of user-service, from `/config/user-service/<profile>/<key>`. */
export const USER_SERVICE_LIVE_CONFIG = z.object({
  /** Sliding idle timeout of a session. */
  'session.idleTimeoutSeconds': z.number().int().min(60).max(86_400).default(1800),
  /** Absolute lifetime of a session. */
  'session.absoluteTimeoutSeconds': z
    .number()
    .int()
    .min(300)
    .max(30 * 86_400)
    .default(43_200),
});
