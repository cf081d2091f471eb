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
  /** Failed logins or password checks per account (every spelling of it) before a 429, per window. */
  'ratelimit.login.accountFailures': z.number().int().min(1).max(100_000).default(5),
  /** The window of the failure count, in seconds. */
  'ratelimit.login.windowSeconds': z.number().int().min(1).max(86_400).default(300),
  /** Registrations per client address before a 429, per window. */
  'ratelimit.register.ipAttempts': z.number().int().min(1).max(1_000_000).default(20),
  /** The window of the registration count, in seconds. */
  'ratelimit.register.windowSeconds': z.number().int().min(1).max(86_400).default(60),
});
