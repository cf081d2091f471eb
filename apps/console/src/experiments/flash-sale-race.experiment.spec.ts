import type { FlashSalePurchaseView, FlashSaleStrategyName, FlashSaleView } from '@dsp/contracts';
import type { ExperimentChart, ExperimentContext } from './experiment';
import { FlashSaleRaceExperiment, type FlashSaleBuyer } from './flash-sale-race.experiment';
import type { FlashSales } from './gateway-flash-sales';
import type { ShopAnswer } from './gateway-shopper';

/** In-memory sales: `racy` checks the stock, yields, then takes the unit (a lost update); otherwise check-and-take is one step. */
class FakeSales implements FlashSales {
  readonly sales = new Map<string, FlashSaleView & { buyers: Set<string> }>();
  private seq = 0;
  constructor(
    private readonly racy: FlashSaleStrategyName[] = [],
    private readonly busyFirst = 0,
  ) {}
  busyLeft = new Map<string, number>();
  /** Buyer+sale pairs whose first try answers 409 "in progress" (an earlier try still being written). */
  readonly inProgressFirst = new Set<string>();

  async start(sku: string, stock: number, strategy: FlashSaleStrategyName): Promise<FlashSaleView> {
    const id = `sale-${++this.seq}`;
    const v = { id, sku, strategy, stockTotal: stock, stock, sold: 0, createdAt: new Date().toISOString(), buyers: new Set<string>() };
    this.sales.set(id, v);
    return v;
  }
  async view(id: string): Promise<FlashSaleView> {
    const v = this.sale(id);
    return { ...v, sold: v.stockTotal - v.stock };
  }
  private sale(id: string): FlashSaleView & { buyers: Set<string> } {
    const v = this.sales.get(id);
    if (!v) throw new Error(`no sale ${id}`);
    return v;
  }
  async buy(saleId: string, user: string): Promise<ShopAnswer<FlashSalePurchaseView>> {
    const v = this.sale(saleId);
    const left = this.busyLeft.get(user + saleId) ?? this.busyFirst;
    if (left > 0) {
      this.busyLeft.set(user + saleId, left - 1);
      return { status: 503, body: undefined, route: undefined };
    }
    if (this.inProgressFirst.delete(user + saleId))
      return { status: 409, body: { message: `your purchase in flash sale ${saleId} is in progress` } as never, route: undefined };
    if (v.stock <= 0) return { status: 409, body: { message: `flash sale ${saleId} is sold out` } as never, route: undefined };
    if (this.racy.includes(v.strategy)) await new Promise((r) => setImmediate(r));
    v.stock -= 1;
    v.buyers.add(user);
    const queued = v.strategy === 'redis-reserve';
    return {
      status: queued ? 202 : 201,
      body: { saleId, userId: user, state: queued ? 'reserved' : 'ordered', orderId: queued ? null : `${saleId}-${user}` },
      route: undefined,
    };
  }
}

const buyersOf = (sales: FakeSales) => ({
  take: async (n: number): Promise<FlashSaleBuyer[]> =>
    Array.from({ length: n }, (_, i) => ({ username: `b${i}`, purchase: (id: string) => sales.buy(id, `b${i}`) })),
});

function context(): ExperimentContext & { charts: ExperimentChart[] } {
  const charts: ExperimentChart[] = [];
  return { step: () => undefined, chart: (c) => charts.push(c), signal: new AbortController().signal, charts };
}

describe('FlashSaleRaceExperiment', () => {
  it('should hold when every sale sells exactly its stock, with a row and a chart line per strategy', async () => {
    const sales = new FakeSales();
    const ctx = context();
    const verdict = await new FlashSaleRaceExperiment(sales, buyersOf(sales), { buyers: 5, stock: 3, rounds: 2 }).run(ctx);
    expect(verdict.held).toBe(true);
    expect(verdict.summary).toMatch(/^Every strategy sold each sale's 3 units to exactly 3 of 5 racing buyers .* 0 oversold in 8 sales\./);
    expect(verdict.evidence.map((r) => [r['strategy'], r['claims'], r['sold out answers'], r['oversold']])).toEqual([
      ['zk-lock', 6, 4, 0],
      ['redis-lock', 6, 4, 0],
      ['db-atomic', 6, 4, 0],
      ['redis-reserve', 6, 4, 0],
    ]);
    expect(sales.sales.size).toBe(8);
    const last = ctx.charts.at(-1);
    if (!last) throw new Error('no chart was drawn');
    expect(last.series.map((s) => s.name)).toEqual(['zk-lock', 'redis-lock', 'db-atomic', 'redis-reserve']);
    // Every claim is in the chart: the buckets' counts add up to 6 per strategy.
    for (const s of last.series) expect(s.points.reduce((a, [, v]) => a + (v * 250) / 1000, 0)).toBe(6);
  });

  it('should not hold, naming the strategy, when a check-then-take race oversells', async () => {
    const sales = new FakeSales(['redis-lock']);
    const verdict = await new FlashSaleRaceExperiment(sales, buyersOf(sales), { buyers: 5, stock: 3, rounds: 1 }).run(context());
    expect(verdict.held).toBe(false);
    expect(verdict.summary).toMatch(/redis-lock claimed 5 of 3 units; .*redis-lock OVERSOLD 2 units/);
    expect(verdict.summary).not.toMatch(/zk-lock|db-atomic|redis-reserve/);
    expect(verdict.evidence.find((r) => r['strategy'] === 'redis-lock')?.['oversold']).toBe(2);
  });

  it('should retry a purchase answered 503 (lock not had in time) until its definite answer, and count the retries', async () => {
    const sales = new FakeSales([], 2);
    const verdict = await new FlashSaleRaceExperiment(sales, buyersOf(sales), {
      buyers: 4,
      stock: 2,
      rounds: 1,
      strategies: ['zk-lock'],
    }).run(context());
    expect(verdict.held).toBe(true);
    expect(verdict.evidence).toEqual([expect.objectContaining({ strategy: 'zk-lock', claims: 2, 'lock timeouts retried': 8 })]);
  });

  it('should refuse to run with no more buyers than units', async () => {
    const sales = new FakeSales();
    await expect(new FlashSaleRaceExperiment(sales, buyersOf(sales), { buyers: 3, stock: 3 }).run(context())).rejects.toThrow(
      'a race needs more buyers (3) than units (3)',
    );
    expect(sales.sales.size).toBe(0);
  });

  it('should retry a 409 "in progress" and count what it becomes, not a sold-out answer', async () => {
    const sales = new FakeSales();
    // Every buyer's first try answers "in progress": counted as sold out, no unit would be claimed.
    for (const b of ['b0', 'b1', 'b2']) sales.inProgressFirst.add(`${b}sale-1`);
    const verdict = await new FlashSaleRaceExperiment(sales, buyersOf(sales), {
      buyers: 3,
      stock: 2,
      rounds: 1,
      strategies: ['db-atomic'],
    }).run(context());
    expect(verdict.held).toBe(true);
    expect(verdict.evidence).toEqual([expect.objectContaining({ claims: 2, 'sold out answers': 1, 'lock timeouts retried': 0 })]);
  });
});
