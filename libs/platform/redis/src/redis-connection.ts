import Redis, { type RedisOptions } from 'ioredis';
import type { HealthCheck, JsonLogger } from '@dsp/service-defaults';

export interface RedisConnectionOptions {
  /** Redis URL. @default 'redis://127.0.0.1:6380' */
  url: string;
  /** Connection name shown by `CLIENT LIST`. @default 'dsp' */
  connectionName: string;
  /** Fail a command after this many reconnect attempts instead of queueing it forever. @default 3 */
  maxRetriesPerRequest: number;
  /** Upper bound of the reconnect backoff, in ms. @default 2000 */
  maxReconnectDelayMs: number;
  /** ACL user to authenticate as (`AUTH user password`); none when undefined. @default undefined */
  username?: string;
  /** Its password (a secret). @default undefined */
  password?: string;
}

export const DEFAULT_REDIS_CONNECTION_OPTIONS: RedisConnectionOptions = {
  url: 'redis://127.0.0.1:6380',
  connectionName: 'dsp',
  maxRetriesPerRequest: 3,
  maxReconnectDelayMs: 2000,
};

type Lifecycle = 'LATENT' | 'STARTED' | 'CLOSED';

/**
 * One Redis connection with an explicit lifecycle: `start()` once (a second
 * call throws), `close()` safe to call twice. It reconnects with bounded
 * exponential backoff after a connection loss, and logs every state change of
 * the underlying ioredis client as `from -> to`. Commands issued while
 * disconnected fail after `maxRetriesPerRequest` reconnects instead of hanging.
 */
export class RedisConnection {
  private readonly options: RedisConnectionOptions;
  private lifecycle: Lifecycle = 'LATENT';
  private redis: Redis | undefined;
  private lastStatus = 'wait';

  constructor(
    options: Partial<RedisConnectionOptions>,
    private readonly logger: JsonLogger,
  ) {
    this.options = { ...DEFAULT_REDIS_CONNECTION_OPTIONS, ...options };
    if (!/^rediss?:\/\//.test(this.options.url))
      throw new Error(`RedisConnection: url must start with redis:// or rediss://, got "${this.options.url}"`);
  }

  /** Connects; resolves once Redis answers. */
  async start(): Promise<void> {
    if (this.lifecycle !== 'LATENT') throw new Error(`RedisConnection.start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
    const opts: RedisOptions = {
      connectionName: this.options.connectionName,
      ...(this.options.username !== undefined ? { username: this.options.username } : {}),
      ...(this.options.password !== undefined ? { password: this.options.password } : {}),
      maxRetriesPerRequest: this.options.maxRetriesPerRequest,
      lazyConnect: true,
      retryStrategy: (times) => Math.min(50 * 2 ** times, this.options.maxReconnectDelayMs),
    };
    const redis = new Redis(this.options.url, opts);
    this.redis = redis;
    for (const ev of ['connect', 'ready', 'close', 'reconnecting', 'end', 'wait'] as const) {
      redis.on(ev, () => this.logTransition());
    }
    redis.on('error', (err: Error) => this.logger.warn({ component: 'redis', err: err.message }, 'redis error'));
    await redis.connect();
  }

  private logTransition(): void {
    const status = this.redis?.status ?? 'end';
    if (status === this.lastStatus) return;
    this.logger.info({ component: 'redis', from: this.lastStatus, to: status }, `redis ${this.lastStatus} -> ${status}`);
    this.lastStatus = status;
  }

  /** The ioredis client; only valid between `start()` and `close()`. */
  get client(): Redis {
    if (this.lifecycle !== 'STARTED' || this.redis === undefined) throw new Error(`RedisConnection is ${this.lifecycle}`);
    return this.redis;
  }

  async ping(): Promise<void> {
    const pong = await this.client.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING answer "${pong}"`);
  }

  healthCheck(name = 'redis'): HealthCheck {
    return { name, check: () => this.ping() };
  }

  /** Closes the connection; safe to call twice or before `start()`. */
  async close(): Promise<void> {
    if (this.lifecycle === 'CLOSED') return;
    const was = this.lifecycle;
    this.lifecycle = 'CLOSED';
    if (was === 'STARTED' && this.redis) {
      await this.redis.quit().catch(() => this.redis?.disconnect());
    }
  }
}
