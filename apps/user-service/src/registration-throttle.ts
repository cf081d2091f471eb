import type { JsonLogger } from '@dsp/service-defaults';
import type { RateLimiter } from '@dsp/redis';

/** Too many registrations from one client address in the window. Maps to 429 with `Retry-After`. */
export class TooManyRegistrationsError extends Error {
  constructor(
    readonly ip: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many registrations from ${ip}`);
  }
}

export interface RegistrationLimits {
  windowSeconds: number;
  ipAttempts: number;
}

/**
 * Registrations per client address (`register:ip:<ip>`), in Redis and shared
 * by every instance: each attempt counts, successful or not, so neither mass
 * account creation nor username probing through 409s runs unbounded. Fails
 * open, with a warning, when Redis is unreachable.
 */
export class RegistrationThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: () => RegistrationLimits,
    private readonly logger: JsonLogger,
  ) {}

  async admit(ip: string): Promise<void> {
    const l = this.limits();
    const r = await this.limiter.hit(`register:ip:${ip}`, l.ipAttempts, l.windowSeconds * 1000).catch((e: unknown) => {
      this.logger.warn({ component: 'registration-throttle', err: (e as Error).message }, 'rate limiter unavailable; failing open');
      return undefined;
    });
    if (r && !r.allowed) throw new TooManyRegistrationsError(ip, Math.max(1, Math.ceil(r.retryAfterMs / 1000)));
  }
}
