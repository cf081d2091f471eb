import type { JsonLogger } from '@dsp/service-defaults';
import type { RateLimiter } from '@dsp/redis';

export interface LoginLimits {
  windowSeconds: number;
  ipAttempts: number;
}

/** A refusal: HTTP 429 with `Retry-After`. */
export interface LoginRefusal {
  retryAfterSeconds: number;
  reason: string;
}

/**
 * Login throttling per client address at the edge, shared by every gateway
 * instance through Redis: every attempt counts against the client IP, before
 * anything reaches a service. Failures per account are counted where the
 * account is looked up (user-service), so every spelling of a username shares
 * one counter and a direct call to the service is throttled too. Fails open,
 * with a warning, when Redis is unreachable: logins keep working and scrypt
 * still bounds guessing speed.
 */
export class LoginLimiter {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: () => LoginLimits,
    private readonly logger: JsonLogger,
  ) {}

  /** Counts the attempt against the IP; refuses when the IP is over its limit. */
  async admit(ip: string): Promise<LoginRefusal | undefined> {
    const l = this.limits();
    try {
      const byIp = await this.limiter.hit(`login:ip:${ip}`, l.ipAttempts, l.windowSeconds * 1000);
      if (!byIp.allowed) return { retryAfterSeconds: Math.ceil(byIp.retryAfterMs / 1000), reason: `too many login attempts from ${ip}` };
    } catch (e) {
      this.logger.warn({ component: 'login-limiter', err: (e as Error).message }, 'rate limiter unavailable; failing open');
    }
    return undefined;
  }
}
