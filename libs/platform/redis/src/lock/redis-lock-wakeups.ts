import type { JsonLogger } from '@dsp/service-defaults';
import { RedisConnection, type RedisConnectionOptions } from '../redis-connection';

/** The channel a {@link RedisMutex} release publishes to. */
export function releaseChannel(lockKey: string): string {
  return `${lockKey}:released`;
}

interface Waiter {
  readonly owner: string | undefined;
  /** `token`: the fair lock was handed to this waiter with it. */
  readonly wake: (token?: string) => void;
}

/** Only lock release channels under the mutex's default prefix: Redis' ACL lets order-service subscribe to exactly this pattern. */
const PATTERN = 'dsp:lock:*:released'; // RedisMutex's default prefix

/**
 * Release notifications for {@link RedisMutex} waiters, so a waiter tries
 * again as soon as the lock is released instead of on its next poll (as
 * Redisson does). One subscriber connection per process (`PSUBSCRIBE`, opened
 * on the first wait); each release wakes one local waiter of that lock only
 * (no herd): the one a fair release handed the lock to, with its fencing
 * token, else the longest waiting. Notifications are a hint: a lost one costs
 * a waiter its poll interval, never correctness. `close()` is safe to call twice.
 */
export class RedisLockWakeups {
  private readonly waiters = new Map<string, Waiter[]>();
  private connection: RedisConnection | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly options: Partial<RedisConnectionOptions>,
    private readonly logger: JsonLogger,
  ) {}

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const c = new RedisConnection(
        { ...this.options, connectionName: `${this.options.connectionName ?? 'dsp'}:lock-wakeups` },
        this.logger,
      );
      this.connection = c;
      await c.start();
      c.client.on('pmessage', (_p: string, channel: string, message: string) => this.wakeOne(channel, message));
      await c.client.psubscribe(PATTERN);
    })().catch((e: unknown) => {
      this.logger.warn({ component: 'redis-mutex', err: (e as Error).message }, 'lock wake-ups unavailable; waiters poll');
    });
    return this.starting;
  }

  /**
   * A fair release names the waiter it handed the lock to and its token (`<owner> <token>`); a
   * plain one names nobody ('1'): then the longest-waiting local waiter tries again.
   */
  private wakeOne(channel: string, message: string): void {
    const list = this.waiters.get(channel);
    if (!list) return;
    if (message === '1') return list[0]?.wake();
    const [owner, token] = message.split(' ');
    list.find((w) => w.owner === owner)?.wake(token);
  }

  /**
   * Resolves on the next release of the lock behind `channel` (one that names `owner`, when given),
   * or after `maxMs`. Resolves with the fencing token when the release handed the lock to `owner`.
   */
  async wait(channel: string, maxMs: number, owner?: string): Promise<string | undefined> {
    if (this.closed) return new Promise((r) => setTimeout(() => r(undefined), maxMs));
    await this.start();
    return new Promise<string | undefined>((resolve) => {
      let done = false;
      const finish = (token?: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const list = this.waiters.get(channel);
        const i = list?.indexOf(waiter) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
        if (list && list.length === 0) this.waiters.delete(channel);
        resolve(token);
      };
      const waiter: Waiter = { owner, wake: finish };
      const timer = setTimeout(() => finish(), maxMs);
      const list = this.waiters.get(channel) ?? [];
      list.push(waiter);
      this.waiters.set(channel, list);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const list of this.waiters.values()) for (const w of [...list]) w.wake(); // no token: each asks Redis once more
    await this.starting;
    await this.connection?.close();
  }

  /** Nest calls this on shutdown when the instance is a provider. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
