import type { JsonLogger } from '@dsp/service-defaults';
import { IdempotencyInFlightError } from '../order-errors';
import type { OrdersService } from '../orders.service';
import { AlreadyPurchasedError, PurchaseInProgressError, SoldOutError, UnknownStrategyError } from './flash-sale-errors';
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
  const lockedSale: SaleRef = { id: '7', sku: 'SKU-MUG', strategy: 'db-atomic', stockTotal: 1 };
  type Row = { state: 'pending' | 'ordered' | 'rejected'; changedAt: number; orderId?: string; reason?: string };
  function setup(purchases: Map<string, Row>, outcome: () => ClaimOutcome, strategyName: 'db-atomic' | 'redis-reserve' = 'db-atomic') {
    const sale = { ...lockedSale, strategy: strategyName };
    const placed: string[] = [];
    const ledger = {
      find: async () => ({ ...sale, stock: 1, sold: 0, createdAt: '' }),
      purchaseOf: async (_s: string, u: string) => {
        const r = purchases.get(u);
        return (
          r && {
            view: { saleId: sale.id, userId: u, state: r.state, orderId: r.orderId ?? null, ...(r.reason ? { reason: r.reason } : {}) },
            changedAt: r.changedAt,
          }
        );
      },
      markOrdered: async (_s: string, u: string, orderId: string) =>
        void purchases.set(u, { state: 'ordered', changedAt: Date.now(), orderId }),
    } as unknown as FlashSaleLedger;
    const orders = {
      place: async (u: string, key: string) => {
        placed.push(`${u}:${key}`);
        return { order: { id: `o-${u}` } };
      },
    } as unknown as OrdersService;
    const strategy = new CountingStrategy(strategyName, outcome);
    const service = new FlashSaleService(ledger, new PurchaseStrategies([strategy]), orders, {} as StockReservations, logger, {
      pendingTakeoverMs: 10_000,
    });
    return { service, strategy, placed };
  }

  it('should order a claimed unit with the sale’s idempotency key', async () => {
    const { service, placed } = setup(new Map(), () => 'claimed');
    await expect(service.purchase('7', '42')).resolves.toEqual({
      purchase: { saleId: '7', userId: '42', state: 'ordered', orderId: 'o-42' },
      replayed: false,
      queued: false,
    });
    expect(placed).toEqual(['42:flash-sale:7']);
  });

  it('should replay the purchase of a buyer who already bought, without claiming or ordering again', async () => {
    const { service, strategy, placed } = setup(new Map([['42', { state: 'ordered', changedAt: 0, orderId: 'o-1' }]]), () => 'claimed');
    await expect(service.purchase('7', '42')).resolves.toEqual({
      purchase: { saleId: '7', userId: '42', state: 'ordered', orderId: 'o-1' },
      replayed: true,
      queued: false,
    });
    expect(strategy.calls).toBe(0);
    expect(placed).toEqual([]);
  });

  it('should replay the purchase when the strategy finds the buyer already holds a unit (a concurrent call of theirs won)', async () => {
    const purchases = new Map<string, Row>();
    const { service } = setup(purchases, () => {
      purchases.set('42', { state: 'ordered', changedAt: Date.now(), orderId: 'o-9' });
      throw new AlreadyPurchasedError('7', 'recorded');
    });
    await expect(service.purchase('7', '42')).resolves.toMatchObject({ purchase: { state: 'ordered', orderId: 'o-9' }, replayed: true });
  });

  it('should refuse a pending purchase younger than the takeover time as in progress, without writing', async () => {
    const { service, strategy, placed } = setup(new Map([['42', { state: 'pending', changedAt: Date.now() - 2000 }]]), () => 'claimed');
    await expect(service.purchase('7', '42')).rejects.toThrow(PurchaseInProgressError);
    await expect(service.purchase('7', '42')).rejects.toThrow(/in progress.*ask again in [89] s/);
    expect(strategy.calls).toBe(0);
    expect(placed).toEqual([]);
  });

  it('should take over a pending purchase older than the takeover time and complete it, as a replay', async () => {
    const { service, strategy, placed } = setup(new Map([['42', { state: 'pending', changedAt: Date.now() - 11_000 }]]), () => 'claimed');
    await expect(service.purchase('7', '42')).resolves.toEqual({
      purchase: { saleId: '7', userId: '42', state: 'ordered', orderId: 'o-42' },
      replayed: true,
      queued: false,
    });
    expect(strategy.calls).toBe(0);
    expect(placed).toEqual(['42:flash-sale:7']);
  });

  it('should refuse, not fail, a takeover while another call is writing the order', async () => {
    const { service } = setup(new Map([['42', { state: 'pending', changedAt: 0 }]]), () => 'claimed');
    (service as unknown as { orders: { place: () => Promise<never> } }).orders.place = async () => {
      throw new IdempotencyInFlightError('flash-sale:7');
    };
    await expect(service.purchase('7', '42')).rejects.toThrow(PurchaseInProgressError);
  });

  it('should replay a redis-reserve reservation Redis holds and the database has not applied yet as reserved (202)', async () => {
    const { service } = setup(
      new Map(),
      () => {
        throw new AlreadyPurchasedError('7', 'reserved');
      },
      'redis-reserve',
    );
    await expect(service.purchase('7', '42')).resolves.toEqual({
      purchase: { saleId: '7', userId: '42', state: 'reserved', orderId: null },
      replayed: true,
      queued: true,
    });
  });

  it.each([
    ['ordered' as const, 'o-5'],
    ['pending' as const, undefined],
    ['rejected' as const, undefined],
  ])('should replay a redis-reserve purchase the database has %s, as it stands', async (state, orderId) => {
    const { service } = setup(
      new Map([
        [
          '42',
          { state, changedAt: Date.now(), ...(orderId ? { orderId } : {}), ...(state === 'rejected' ? { reason: 'no unit left' } : {}) },
        ],
      ]),
      () => {
        throw new AlreadyPurchasedError('7', 'reserved');
      },
      'redis-reserve',
    );
    const r = await service.purchase('7', '42');
    expect(r).toMatchObject({ purchase: { state, orderId: orderId ?? null }, replayed: true, queued: true });
  });

  it('should replay, not answer sold out, when the last unit went to a concurrent call of the same buyer', async () => {
    const purchases = new Map<string, Row>();
    const { service } = setup(purchases, () => {
      purchases.set('42', { state: 'pending', changedAt: Date.now() });
      throw new SoldOutError('7');
    });
    await expect(service.purchase('7', '42')).rejects.toThrow(PurchaseInProgressError);
    purchases.set('42', { state: 'ordered', changedAt: Date.now(), orderId: 'o-3' });
    await expect(service.purchase('7', '42')).resolves.toMatchObject({ purchase: { state: 'ordered', orderId: 'o-3' }, replayed: true });
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
