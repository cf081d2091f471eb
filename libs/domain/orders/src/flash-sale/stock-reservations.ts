import { LuaScript, redisCall, type RedisConnection } from '@dsp/redis';

/** KEYS: stock, buyers, last. ARGV: user. 1 reserved, 0 sold out, -1 already a buyer, -2 sale not in Redis. */
const RESERVE = new LuaScript(`if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return -1 end
if tonumber(redis.call('GET', KEYS[1])) <= 0 then return 0 end
redis.call('DECR', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[1])
local t = redis.call('TIME')
redis.call('SET', KEYS[3], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
return 1`);

/** KEYS: stock, buyers. ARGV: user. Gives a reservation back (only if the buyer holds one). */
const UNRESERVE = new LuaScript(`if redis.call('SREM', KEYS[2], ARGV[1]) == 1 then return redis.call('INCR', KEYS[1]) end
return -1`);

/** KEYS: stock, last. ARGV: the "last" value read before, the database's stock. Sets the stock only if no reservation happened since. */
const RECONCILE = new LuaScript(`local last = redis.call('GET', KEYS[2]) or '0'
if last ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`);

export type ReserveResult = 'reserved' | 'sold-out' | 'already-reserved' | 'unknown';

/**
 * Flash-sale stock held in Redis for the `redis-reserve` strategy: a counter
 * and the set of buyers per sale, changed only by scripts, so a reservation
 * (check buyer, check stock, decrement, remember buyer) is atomic. Redis is the
 * fast gate, not the truth: the database decides in the end, and
 * {@link FlashSaleReconciler} sets Redis back to the database when they differ.
 */
export class StockReservations {
  constructor(private readonly redis: RedisConnection) {}

  keys(saleId: string): { stock: string; buyers: string; last: string } {
    const base = `dsp:fs:{${saleId}}`;
    return { stock: `${base}:stock`, buyers: `${base}:buyers`, last: `${base}:last` };
  }

  async reserve(saleId: string, userId: string): Promise<ReserveResult> {
    const k = this.keys(saleId);
    const r = Number(await RESERVE.run(this.redis.client, [k.stock, k.buyers, k.last], [userId]));
    return r === 1 ? 'reserved' : r === 0 ? 'sold-out' : r === -1 ? 'already-reserved' : 'unknown';
  }

  async unreserve(saleId: string, userId: string): Promise<void> {
    const k = this.keys(saleId);
    await UNRESERVE.run(this.redis.client, [k.stock, k.buyers], [userId]);
  }

  async isBuyer(saleId: string, userId: string): Promise<boolean> {
    return (await redisCall(this.redis.client.sismember(this.keys(saleId).buyers, userId))) === 1;
  }

  /** Loads a sale into Redis unless it is there already: buyers first, then the stock (which opens it). */
  async seed(saleId: string, stock: number, buyers: readonly string[]): Promise<boolean> {
    const k = this.keys(saleId);
    for (let i = 0; i < buyers.length; i += 1000) await redisCall(this.redis.client.sadd(k.buyers, ...buyers.slice(i, i + 1000)));
    return (await redisCall(this.redis.client.set(k.stock, String(stock), 'NX'))) === 'OK';
  }

  /** Stock and time of the last reservation (Redis clock, ms; '0' if none), or undefined when the sale is not in Redis. */
  async state(saleId: string): Promise<{ stock: number; last: string } | undefined> {
    const k = this.keys(saleId);
    const [stock, last] = await redisCall(this.redis.client.mget(k.stock, k.last));
    if (stock === null || stock === undefined) return undefined;
    return { stock: Number(stock), last: last ?? '0' };
  }

  /** Sets the stock to the database's, unless a reservation happened after `last` was read. */
  async reconcile(saleId: string, last: string, dbStock: number): Promise<boolean> {
    const k = this.keys(saleId);
    return Number(await RECONCILE.run(this.redis.client, [k.stock, k.last], [last, dbStock])) === 1;
  }

  async addBuyers(saleId: string, buyers: readonly string[]): Promise<void> {
    const k = this.keys(saleId);
    for (let i = 0; i < buyers.length; i += 1000) await redisCall(this.redis.client.sadd(k.buyers, ...buyers.slice(i, i + 1000)));
  }
}
