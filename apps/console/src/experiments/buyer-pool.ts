import type { ExperimentContext } from './experiment';
import { GatewayShopper, RegistrationRefused } from './gateway-shopper';
import { pause } from './waits';

/** Registers one shopper (through the gateway); a seam for tests. */
export type ShopperFactory = () => Promise<GatewayShopper>;

/**
 * Logged-in shoppers for experiments that need many distinct buyers (a flash
 * sale sells one unit per buyer), registered through the gateway's public path
 * like anyone else and kept for the console's lifetime, so a second run
 * registers nobody. Guarantees: `take(n)` returns `n` shoppers whose sessions
 * the gateway still accepts (an ended one is replaced); it registers two at a
 * time (each costs user-service a scrypt hash); when the address's
 * registration limit is spent (429) it waits out `Retry-After` once per
 * shopper, saying so in the run's log, rather than failing the run; any other
 * refusal throws with the gateway's answer.
 */
export class BuyerPool {
  private readonly shoppers: GatewayShopper[] = [];

  constructor(private readonly register: ShopperFactory) {}

  static through(gatewayUrl: string, prefix: string): BuyerPool {
    return new BuyerPool(() => GatewayShopper.register(gatewayUrl, prefix));
  }

  async take(count: number, ctx: ExperimentContext): Promise<GatewayShopper[]> {
    const alive = await Promise.all(
      this.shoppers.map((s) =>
        s.me().then(
          (r) => r.status === 200,
          () => false,
        ),
      ),
    );
    const kept = this.shoppers.filter((_, i) => alive[i]);
    if (kept.length < this.shoppers.length)
      ctx.step(`${this.shoppers.length - kept.length} pooled buyers' sessions had ended; replacing them`);
    this.shoppers.splice(0, this.shoppers.length, ...kept);
    const missing = count - this.shoppers.length;
    if (missing > 0) {
      ctx.step(`registering ${missing} buyers through the gateway (kept for later runs)`);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(2, missing) }, async () => {
          while (next < missing && !ctx.signal.aborted) {
            next += 1;
            this.shoppers.push(await this.one(ctx));
          }
        }),
      );
      if (ctx.signal.aborted) throw new Error('aborted while registering buyers');
    }
    return this.shoppers.slice(0, count);
  }

  private async one(ctx: ExperimentContext): Promise<GatewayShopper> {
    try {
      return await this.register();
    } catch (e) {
      if (!(e instanceof RegistrationRefused) || e.status !== 429) throw e;
      const wait = Math.min(120, e.retryAfterSeconds ?? 60);
      ctx.step(`this address's registration limit is spent: waiting ${wait} s (Retry-After)`);
      await pause(ctx, wait * 1000);
      return this.register();
    }
  }
}
