import type { JsonLogger } from '@dsp/service-defaults';
import type { RateLimiter } from '@dsp/redis';

export interface LoginLimits {
  windowSeconds: number;
  userFailures: number;
  ipAttempts: number;
}

/** A refusal: HTTP 429 with `Retry-After`. */
export interface LoginRefusal {
  retryAfterSeconds: number;
  reason: string;
}

/**
 * Login throttling at the edge, shared by every gateway instance through
 * Redis: every attempt counts against the client IP; only failed attempts
 * count against the username (so a user who types the right password is never
 * locked out by their own successes). Fails open, with a warning, when Redis is
 * unreachable: logins keep working and scrypt still bounds guessing speed.
 */
export class LoginLimiter {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: () => LoginLimits,
    private readonly logger: JsonLogger,
  ) {}

  private userKey(username: string): string {
    return `login:user:${username.toLowerCase()}`;
  }

  /** Counts the attempt against the IP; refuses when the IP or the username is over its limit. */
  async admit(ip: string, username: string | undefined): Promise<LoginRefusal | undefined> {
    const l = this.limits();
    const windowMs = l.windowSeconds * 1000;
    try {
      const byIp = await this.limiter.hit(`login:ip:${ip}`, l.ipAttempts, windowMs);
      if (!byIp.allowed) return { retryAfterSeconds: Math.ceil(byIp.retryAfterMs / 1000), reason: `too many login attempts from ${ip}` };
      if (username) {
        const byUser = await this.limiter.peek(this.userKey(username), l.userFailures);
        if (!byUser.allowed) {
          return { retryAfterSeconds: Math.ceil(byUser.retryAfterMs / 1000), reason: `too many failed logins for "${username}"` };
        }
      }
    } catch (e) {
      this.logger.warn({ component: 'login-limiter', err: (e as Error).message }, 'rate limiter unavailable; failing open');
    }
    return undefined;
  }

  /** Records the outcome: a 401 counts a failure for the username; a success clears its failures. */
  async record(username: string | undefined, status: number): Promise<void> {
    if (!username) return;
    const l = this.limits();
    try {
      if (status === 401) await this.limiter.hit(this.userKey(username), l.userFailures, l.windowSeconds * 1000);
      else if (status >= 200 && status < 300) await this.limiter.reset(this.userKey(username));
    } catch (e) {
      this.logger.warn({ component: 'login-limiter', err: (e as Error).message }, 'rate limiter unavailable; outcome not recorded');
    }
  }
}
