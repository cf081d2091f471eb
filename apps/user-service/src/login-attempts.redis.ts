import type { JsonLogger } from '@dsp/service-defaults';
import type { RateLimiter } from '@dsp/redis';
import { TooManyLoginFailuresError, type LoginAttempts } from '@dsp/users';

export interface LoginFailureLimits {
  windowSeconds: number;
  accountFailures: number;
}

/**
 * Failed credential checks per account, in Redis (`login:account:<id>`),
 * shared by every user-service instance and applied on every path to the
 * service (through the gateway or not). Only failures count, and a success
 * clears them, so an owner is never locked out by their own successes; over the
 * limit even the right password is refused until the window ends. Fails open,
 * with a warning, when Redis is unreachable (scrypt still bounds guessing).
 */
export class RedisLoginAttempts implements LoginAttempts {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: () => LoginFailureLimits,
    private readonly logger: JsonLogger,
  ) {}

  async admit(account: string, username: string): Promise<void> {
    const l = this.limits();
    const r = await this.limiter.peek(`login:account:${account}`, l.accountFailures).catch((e: unknown) => this.failOpen(e));
    if (r && !r.allowed) throw new TooManyLoginFailuresError(username, Math.max(1, Math.ceil(r.retryAfterMs / 1000)));
  }

  async failed(account: string): Promise<void> {
    const l = this.limits();
    await this.limiter.hit(`login:account:${account}`, l.accountFailures, l.windowSeconds * 1000).catch((e: unknown) => this.failOpen(e));
  }

  async succeeded(account: string): Promise<void> {
    await this.limiter.reset(`login:account:${account}`).catch((e: unknown) => this.failOpen(e));
  }

  private failOpen(e: unknown): undefined {
    this.logger.warn({ component: 'login-attempts', err: (e as Error).message }, 'rate limiter unavailable; failing open');
    return undefined;
  }
}
