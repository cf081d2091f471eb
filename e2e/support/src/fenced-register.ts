import Redis from 'ioredis';
import { REDIS_IDENTITIES, REDIS_PORT } from '@dsp/contracts';

/**
 * A store outside ZooKeeper that honours fencing tokens (Kleppmann's fenced
 * storage): a write carries the writer's lock token and is accepted only if no
 * higher token was seen before. Used to prove that a lock holder whose session
 * expired cannot overwrite the work of the next holder.
 */
export class FencedRegister {
  private readonly redis: Redis;

  // KEYS[1] = value key, KEYS[2] = highest-token key; ARGV[1] = token, ARGV[2] = value
  private static readonly SCRIPT = `
    local highest = redis.call('GET', KEYS[2])
    if highest and tonumber(highest) > tonumber(ARGV[1]) then return 0 end
    redis.call('SET', KEYS[2], ARGV[1])
    redis.call('SET', KEYS[1], ARGV[2])
    return 1`;

  constructor(
    readonly name: string,
    port = Number(process.env['STACK_REDIS_PORT'] ?? REDIS_PORT),
  ) {
    const op = REDIS_IDENTITIES.operator;
    this.redis = new Redis({ host: '127.0.0.1', port, username: op.user, password: op.password, lazyConnect: false });
  }

  /** True when accepted, false when a newer token was seen (the write is fenced off). */
  async write(token: bigint, value: string): Promise<boolean> {
    const r = await this.redis.eval(FencedRegister.SCRIPT, 2, `${this.name}:value`, `${this.name}:token`, token.toString(), value);
    return r === 1;
  }

  async read(): Promise<string | null> {
    return this.redis.get(`${this.name}:value`);
  }

  /** A plain, unprotected counter: GET then SET, racy without a lock. */
  async incrementUnsafely(): Promise<void> {
    const v = Number((await this.redis.get(`${this.name}:counter`)) ?? 0);
    await this.redis.set(`${this.name}:counter`, String(v + 1));
  }

  async counter(): Promise<number> {
    return Number((await this.redis.get(`${this.name}:counter`)) ?? 0);
  }

  /** Deletes the register's keys and disconnects (the owner of the register, at the end of a test). */
  async close(): Promise<void> {
    await this.redis.del(`${this.name}:value`, `${this.name}:token`, `${this.name}:counter`);
    this.redis.disconnect();
  }

  /** Disconnects and leaves the keys (a writer that shares the register with others). */
  disconnect(): void {
    this.redis.disconnect();
  }
}
