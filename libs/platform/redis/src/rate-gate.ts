import type Redis from 'ioredis';
import { LuaScript } from './lua-script';

/** KEYS: slot counter prefix. ARGV: per-slot limit, slot ms. Returns 0 when admitted, else ms until the next slot. */
const TAKE = new LuaScript(`local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slotMs = tonumber(ARGV[2])
local slot = math.floor(now / slotMs)
local key = KEYS[1] .. slot
local n = redis.call('INCR', key)
if n == 1 then redis.call('PEXPIRE', key, slotMs * 4) end
if n <= tonumber(ARGV[1]) then return 0 end
return (slot + 1) * slotMs - now`);

/**
 * A pace limiter shared by every instance through Redis: at most `perSecond`
 * admissions per second across the fleet (fixed slots of 100 ms, `perSecond/10`
 * each, on Redis' clock), so the work behind it (database writes) stays at the
 * cap however many consumers run. `take()` waits for a slot.
 */
export class RateGate {
  constructor(
    private readonly redisOf: () => Redis,
    private readonly key: string,
    private readonly slotMs = 100,
  ) {}

  /** Resolves when this caller may proceed at `perSecond` (read each call, so a live change applies at once). */
  async take(perSecond: number): Promise<void> {
    const perSlot = Math.max(1, Math.floor((perSecond * this.slotMs) / 1000));
    for (;;) {
      const wait = Number(await TAKE.run(this.redisOf(), [`dsp:gate:${this.key}:`], [perSlot, this.slotMs]));
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait + Math.floor(Math.random() * 5)));
    }
  }
}
