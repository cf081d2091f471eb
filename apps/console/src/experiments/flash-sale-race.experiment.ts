import { FLASH_SALE_STRATEGIES, type FlashSalePurchaseView, type FlashSaleStrategyName } from '@dsp/contracts';
import type { Experiment, ExperimentContext, Verdict } from './experiment';
import type { FlashSales } from './gateway-flash-sales';
import type { ShopAnswer } from './gateway-shopper';
import { until } from './waits';

/** A logged-in buyer of the race (one purchase per sale). */
export interface FlashSaleBuyer {
  readonly username: string;
  purchase(saleId: string): Promise<ShopAnswer<FlashSalePurchaseView>>;
}

/** Where the race's buyers come from (the console's pool, registered through the gateway). */
export interface Buyers {
  take(count: number, ctx: ExperimentContext): Promise<readonly FlashSaleBuyer[]>;
}

export interface FlashSaleRaceOptions {
  /** Distinct buyers racing for each sale: more than `stock`, so each sale sells out under contention. @default 12 */
  buyers?: number;
  /** Units per sale. @default 8 */
  stock?: number;
  /** Sales per strategy, raced one after another. @default 3 */
  rounds?: number;
  /** The strategies raced, in order. @default all four */
  strategies?: readonly FlashSaleStrategyName[];
  /** The chart's bucket. @default 250 */
  bucketMs?: number;
  /** How long a `redis-reserve` sale's orders may take to reach the database through Kafka. @default 30000 */
  settleTimeoutMs?: number;
}

const SKU = 'SKU-MUG';
/** A purchase answered 503 (the lock was not had in time) is retried for this long. */
const ANSWER_DEADLINE_MS = 15_000;

interface Answer {
  /** 201 or 202: a unit claimed; 409: sold out; `rejected`: a reservation the database refused; anything else: no definite answer within the deadline. */
  readonly status: number | 'rejected';
  readonly orderId: string | null;
  /** 503 answers before the definite one. */
  readonly busy: number;
}

interface Tally {
  readonly strategy: FlashSaleStrategyName;
  sales: number;
  claims: number;
  soldOut: number;
  /** Reservations the database refused (`redis-reserve` only): no unit, and not told sold out. */
  rejected: number;
  undecided: number;
  busy: number;
  /** Units past the stock, over the sales: each sale's claims or database sold past its stock, whichever is more. */
  oversold: number;
  /** Claims the database does not show sold (after the orders settled). */
  unsold: number;
  duplicateOrders: number;
  raceMs: number;
  readonly claimTimes: number[];
}

/**
 * Races distinct buyers for a few units of a flash sale, once per purchase
 * strategy (docs/notes.md#n29, docs/flash-sale.md): `zk-lock` and `redis-lock`
 * serialize read-check-write behind a distributed lock, `db-atomic` lets one
 * conditional UPDATE decide, `redis-reserve` reserves in a Redis script and
 * writes the order through Kafka. Each round starts a fresh sale of `stock`
 * units through the gateway's admin route and lets `buyers` (more than the
 * stock) purchase at once; a 503 (the lock was not had in time) is retried.
 * The page charts claims per second for each strategy as they happen. It holds
 * when, for every strategy, each sale's claims were exactly its stock, every
 * other buyer was told it sold out, the database shows every unit sold and
 * none more (0 oversold), and no order id was handed out twice (the three
 * synchronous strategies answer with the order; `redis-reserve`'s follows
 * through Kafka, so the database's `sold` is its check).
 */
export class FlashSaleRaceExperiment implements Experiment {
  readonly name = 'flash-sale-race';
  readonly title = 'Race buyers for a flash sale, per strategy';
  readonly description =
    'More buyers than units purchase at once, sale after sale, for each strategy (zk-lock, redis-lock, db-atomic, redis-reserve): claims per second live, and never one unit oversold.';
  readonly notes = ['n29'];

  constructor(
    private readonly sales: FlashSales,
    private readonly buyers: Buyers,
    private readonly options: FlashSaleRaceOptions = {},
  ) {}

  async run(ctx: ExperimentContext): Promise<Verdict> {
    const buyerCount = this.options.buyers ?? 12;
    const stock = this.options.stock ?? 8;
    const rounds = this.options.rounds ?? 3;
    const strategies = this.options.strategies ?? FLASH_SALE_STRATEGIES;
    const bucketMs = this.options.bucketMs ?? 250;
    if (buyerCount <= stock) throw new Error(`a race needs more buyers (${buyerCount}) than units (${stock})`);
    const began = Date.now();
    const at = (): number => Date.now() - began;
    const buyers = await this.buyers.take(buyerCount, ctx);
    ctx.step(`${buyers.length} buyers race for ${stock} units of ${SKU}, ${rounds} sales per strategy`);

    const tallies: Tally[] = [];
    const draw = (): void =>
      ctx.chart({
        title: 'Claims per second, by strategy',
        unit: 'claims/s',
        series: tallies.map((t) => ({ name: t.strategy, points: buckets(t.claimTimes, bucketMs) })),
      });
    for (const strategy of strategies) {
      if (ctx.signal.aborted) throw new Error('aborted');
      const t: Tally = {
        strategy,
        sales: 0,
        claims: 0,
        soldOut: 0,
        rejected: 0,
        undecided: 0,
        busy: 0,
        oversold: 0,
        unsold: 0,
        duplicateOrders: 0,
        raceMs: 0,
        claimTimes: [],
      };
      tallies.push(t);
      const saleIds: string[] = [];
      const claimedIn: number[] = [];
      const orderIds = new Set<string>();
      const ticker = setInterval(draw, bucketMs);
      try {
        for (let r = 0; r < rounds; r++) {
          const sale = await this.sales.start(SKU, stock, strategy);
          saleIds.push(sale.id);
          t.sales += 1;
          const raceStart = Date.now();
          const answers = await Promise.all(buyers.map((b) => this.purchase(b, sale.id, at, (ms) => t.claimTimes.push(ms))));
          t.raceMs += Date.now() - raceStart;
          let claimed = 0;
          for (const a of answers) {
            t.busy += a.busy;
            if (a.status === 201 || a.status === 202) {
              claimed += 1;
              if (a.orderId !== null) {
                if (orderIds.has(a.orderId)) t.duplicateOrders += 1;
                orderIds.add(a.orderId);
              }
            } else if (a.status === 409) t.soldOut += 1;
            else if (a.status === 'rejected') t.rejected += 1;
            else t.undecided += 1;
          }
          t.claims += claimed;
          claimedIn.push(claimed);
        }
      } finally {
        clearInterval(ticker);
        draw();
      }
      // The database is the truth: wait for queued orders (redis-reserve) to land, then compare.
      const sold = async (): Promise<number[]> => Promise.all(saleIds.map(async (id) => (await this.sales.view(id)).sold));
      let final: number[] = [];
      try {
        await until(
          ctx,
          async () => (final = await sold()).every((s) => s >= stock),
          this.options.settleTimeoutMs ?? 30_000,
          `${strategy}'s orders reaching the database`,
          250,
        );
      } catch (e) {
        if (ctx.signal.aborted) throw e;
      }
      const dbSold = final.reduce((a, b) => a + b, 0);
      // A sale is oversold by what its buyers were told they got, or what the database sold, past its stock: whichever is more.
      t.oversold = final.reduce((a, s, i) => a + Math.max(0, s - stock, (claimedIn[i] ?? 0) - stock), 0);
      t.unsold = Math.max(0, t.claims - dbSold);
      ctx.step(
        `${strategy}: ${t.claims} claims in ${t.sales} sales (${rate(t)} claims/s while racing), ${t.soldOut} sold out, ${t.busy} lock timeouts retried; the database shows ${dbSold} sold`,
      );
    }

    const want = rounds * stock;
    const bad = tallies.flatMap((t) =>
      [
        t.claims !== want && `${t.strategy} claimed ${t.claims} of ${want} units`,
        t.soldOut !== rounds * (buyerCount - stock) &&
          `${t.strategy} told ${t.soldOut} buyers it sold out, not ${rounds * (buyerCount - stock)}`,
        t.undecided > 0 && `${t.strategy} left ${t.undecided} buyers without an answer`,
        t.rejected > 0 && `${t.strategy} had ${t.rejected} reservations rejected by the database`,
        t.oversold > 0 && `${t.strategy} OVERSOLD ${t.oversold} units`,
        t.unsold > 0 && `${t.strategy} has ${t.unsold} claims the database does not show sold`,
        t.duplicateOrders > 0 && `${t.strategy} handed out ${t.duplicateOrders} order ids twice`,
      ].filter((x): x is string => typeof x === 'string'),
    );
    const fastest = [...tallies].sort((a, b) => rate(b) - rate(a))[0];
    return {
      held: bad.length === 0,
      summary:
        bad.length === 0
          ? `Every strategy sold each sale's ${stock} units to exactly ${stock} of ${buyerCount} racing buyers and told the rest it sold out: 0 oversold in ${tallies.length * rounds} sales. Fastest while racing: ${fastest?.strategy} at ${fastest ? rate(fastest) : 0} claims/s.`
          : `The property did not hold: ${bad.join('; ')}.`,
      evidence: tallies.map((t) => ({
        strategy: t.strategy,
        sales: t.sales,
        'units offered': t.sales * stock,
        claims: t.claims,
        'sold out answers': t.soldOut,
        'lock timeouts retried': t.busy,
        'claims/s while racing': rate(t),
        'peak claims/s': Math.max(0, ...buckets(t.claimTimes, bucketMs).map(([, v]) => v)),
        oversold: t.oversold,
      })),
    };
  }

  /**
   * One buyer's purchase until a definite answer or the deadline: a claim (201, 202), sold out (409 "is sold out"), or a
   * reservation the database rejected (409 `state: rejected`). A 503 (the lock was not had in time), a 409 "in progress"
   * (an earlier try of this buyer is still being written) and a failed request are retried; only the 503s are counted.
   * A claim's time is handed to `onClaim` as it lands, for the live chart.
   */
  private async purchase(buyer: FlashSaleBuyer, saleId: string, at: () => number, onClaim: (atMs: number) => void): Promise<Answer> {
    const deadline = Date.now() + ANSWER_DEADLINE_MS;
    let busy = 0;
    for (;;) {
      const r = await buyer.purchase(saleId).catch(() => undefined);
      const status = r?.status ?? 0;
      const message = String((r?.body as { message?: unknown } | undefined)?.message ?? '');
      if (status === 201 || status === 202) {
        onClaim(at());
        return { status, orderId: r?.body?.orderId ?? null, busy };
      }
      if (status === 409 && r?.body?.state === 'rejected') return { status: 'rejected', orderId: null, busy };
      if (status === 409 && /is sold out$/.test(message)) return { status, orderId: null, busy };
      if (status === 503) busy += 1;
      if (Date.now() > deadline) return { status, orderId: null, busy };
      await new Promise((res) => setTimeout(res, status === 503 ? 20 : 100));
    }
  }
}

/** Claims per second in each `bucketMs` bucket from the first claim to the last, as chart points. */
function buckets(times: readonly number[], bucketMs: number): [number, number][] {
  if (times.length === 0) return [];
  const first = Math.floor(Math.min(...times) / bucketMs);
  const last = Math.floor(Math.max(...times) / bucketMs);
  const counts = new Array<number>(last - first + 1).fill(0);
  for (const t of times) {
    const i = Math.floor(t / bucketMs) - first;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts.map((c, i) => [(first + i) * bucketMs, Math.round((c * 1000) / bucketMs)]);
}

function rate(t: Tally): number {
  return t.raceMs > 0 ? Math.round((t.claims * 1000) / t.raceMs) : 0;
}
