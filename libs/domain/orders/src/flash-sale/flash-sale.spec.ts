import type { JsonLogger } from '@dsp/service-defaults';
import { IdempotencyInFlightError } from '../order-errors';
import type { OrdersService } from '../orders.service';
import { AlreadyPurchasedError, SoldOutError, UnknownStrategyError } from './flash-sale-errors';
import type { FlashSaleLedger, SaleRef } from './flash-sale-ledger';
import { FlashSaleReconciler } from './flash-sale-reconciler';
import { FlashSaleService } from './flash-sale.service';
import { PurchaseStrategies } from './purchase-strategies';
import type { ClaimOutcome, PurchaseStrategy } from './purchase-strategy';
import type { StockReservations } from './stock-reservations';

const logger = { info: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as JsonLogger;

class CountingStrategy implements PurchaseStrategy {
  calls = 0;
  constructor(
    readonly name: 'db-atomic' | 'redis-reserve',
    private readonly outcome: () => ClaimOutcome,
  ) {}
  async claim(): Promise<ClaimOutcome> {
    this.calls++;
    return this.outcome();
  }
}

describe('PurchaseStrategies', () => {
  it('should find a strategy by name and name the known ones for an unknown name', () => {
    const s = new PurchaseStrategies([new CountingStrategy('db-atomic', () => 'claimed')]);
    expect(s.get('db-atomic').name).toBe('db-atomic');
    expect(() => s.get('zk-lok')).toThrow(UnknownStrategyError);
    expect(() => s.get('zk-lok')).toThrow('unknown flash-sale strategy "zk-lok"; known: db-atomic');
  });

  it('should refuse two strategies with one name', () => {
    expect(
      () =>
        new PurchaseStrategies([new CountingStrategy('db-atomic', () => 'claimed'), new CountingStrategy('db-atomic', () => 'claimed')]),
    ).toThrow('registered twice');
  });
});

describe('FlashSaleService.purchase', () => {
  const sale: SaleRef = { id: '7', sku: 'SKU-MUG', strategy: 'db-atomic', stockTotal: 1 };
  function setup(purchases: Map<string, 'pending' | 'ordered'>, outcome: () => ClaimOutcome) {
    const placed: string[] = [];
    const ledger = {
      find: async () => ({ ...sale, stock: 1, sold: 0, createdAt: '' }),
      purchaseOf: async (_s: string, u: string) => {
        const state = purchases.get(u);
        return state && { saleId: sale.id, userId: u, state, orderId: null };
      },
      markOrdered: async (_s: string, u: string) => void purchases.set(u, 'ordered'),
    } as unknown as FlashSaleLedger;
    const orders = {
      place: async (u: string, key: string) => {
        placed.push(`${u}:${key}`);
        return { order: { id: `o-${u}` } };
      },
    } as unknown as OrdersService;
    const strategy = new CountingStrategy('db-atomic', outcome);
    const service = new FlashSaleService(ledger, new PurchaseStrategies([strategy]), orders, {} as StockReservations, logger);
    return { service, strategy, placed };
  }

  it('should order a claimed unit with the sale’s idempotency key', async () => {
    const { service, placed } = setup(new Map(), () => 'claimed');
    await expect(service.purchase('7', '42')).resolves.toEqual({ saleId: '7', userId: '42', state: 'ordered', orderId: 'o-42' });
    expect(placed).toEqual(['42:flash-sale:7']);
  });

  it('should refuse a buyer who already bought, without claiming', async () => {
    const { service, strategy } = setup(new Map([['42', 'ordered']]), () => 'claimed');
    await expect(service.purchase('7', '42')).rejects.toThrow(AlreadyPurchasedError);
    expect(strategy.calls).toBe(0);
  });

  it('should finish a pending purchase (unit taken, order not written) instead of refusing it', async () => {
    const { service, strategy, placed } = setup(new Map([['42', 'pending']]), () => 'claimed');
    await expect(service.purchase('7', '42')).resolves.toMatchObject({ state: 'ordered' });
    expect(strategy.calls).toBe(0);
    expect(placed).toEqual(['42:flash-sale:7']);
  });

  it('should refuse, not fail, a retry while another call is writing the order', async () => {
    const { service } = setup(new Map([['42', 'pending']]), () => 'claimed');
    (service as unknown as { orders: { place: () => Promise<never> } }).orders.place = async () => {
      throw new IdempotencyInFlightError('flash-sale:7');
    };
    await expect(service.purchase('7', '42')).rejects.toThrow(/already bought .*pending, its order is being written/);
  });

  it('should answer sold out without the strategy once the database said 0 units', async () => {
    const { service, strategy } = setup(new Map(), () => {
      throw new SoldOutError('7');
    });
    await expect(service.purchase('7', '1')).rejects.toThrow(SoldOutError);
    await expect(service.purchase('7', '2')).rejects.toThrow(SoldOutError);
    expect(strategy.calls).toBe(1);
  });
});

describe('FlashSaleReconciler', () => {
  function setup(opts: {
    redis?: { stock: number; last: string };
    dbStock: number;
    dbUpdatedAt: number;
    drained?: boolean;
    casWins?: boolean;
  }) {
    const calls: string[] = [];
    const reservations = {
      state: async () => opts.redis,
      seed: async (_id: string, stock: number, buyers: string[]) => {
        calls.push(`seed ${stock} ${buyers.join(',')}`);
        return true;
      },
      addBuyers: async (_id: string, buyers: string[]) => void calls.push(`buyers ${buyers.join(',')}`),
      reconcile: async (_id: string, last: string, stock: number) => {
        calls.push(`reconcile ${last} -> ${stock}`);
        return opts.casWins ?? true;
      },
    } as unknown as StockReservations;
    const ledger = {
      readState: async () => ({ stock: opts.dbStock, sold: 0, fence: 0n }),
      buyers: async () => ['1', '2'],
      lastChange: async () => ({ stock: opts.dbStock, updatedAt: opts.dbUpdatedAt }),
    } as unknown as FlashSaleLedger;
    const r = new FlashSaleReconciler(ledger, reservations, () => opts.drained ?? true, logger, { quietMs: 1000 });
    return { r, calls };
  }
  const longAgo = Date.now() - 10_000;

  it('should reload a sale Redis lost, with the database’s stock and buyers', async () => {
    const { r, calls } = setup({ dbStock: 5, dbUpdatedAt: longAgo });
    expect(await r.reconcileSale('7')).toBe(true);
    expect(calls).toEqual(['seed 5 1,2']);
  });

  it('should set Redis to the database once quiet and drained, buyers first', async () => {
    const { r, calls } = setup({ redis: { stock: 0, last: String(longAgo) }, dbStock: 3, dbUpdatedAt: longAgo });
    expect(await r.reconcileSale('7')).toBe(true);
    expect(calls).toEqual(['buyers 1,2', `reconcile ${longAgo} -> 3`]);
  });

  it.each([
    ['a reservation is recent', { redis: { stock: 0, last: String(Date.now()) }, dbStock: 3, dbUpdatedAt: longAgo }],
    ['the database changed recently', { redis: { stock: 0, last: String(longAgo) }, dbStock: 3, dbUpdatedAt: Date.now() }],
    ['reservations wait in Kafka', { redis: { stock: 0, last: String(longAgo) }, dbStock: 3, dbUpdatedAt: longAgo, drained: false }],
    ['they agree', { redis: { stock: 3, last: String(longAgo) }, dbStock: 3, dbUpdatedAt: longAgo }],
  ])('should leave Redis alone when %s', async (_why, opts) => {
    const { r, calls } = setup(opts);
    expect(await r.reconcileSale('7')).toBe(false);
    expect(calls).toEqual([]);
  });

  it('should report no change when a reservation raced the compare-and-set', async () => {
    const { r } = setup({ redis: { stock: 0, last: String(longAgo) }, dbStock: 3, dbUpdatedAt: longAgo, casWins: false });
    expect(await r.reconcileSale('7')).toBe(false);
  });
});
