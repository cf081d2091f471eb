import type { EventProducer } from '@dsp/messaging';
import type { JsonLogger } from '@dsp/service-defaults';
import type { RedisConnection } from '@dsp/redis';
import { AlreadyPurchasedError, LockServiceUnavailableError, SoldOutError } from '../flash-sale-errors';
import type { FlashSaleLedger, SaleRef } from '../flash-sale-ledger';
import type { ReserveResult, StockReservations } from '../stock-reservations';
import { RedisLockStrategy } from './redis-lock.strategy';
import { RedisReserveStrategy } from './redis-reserve.strategy';

const sale: SaleRef = { id: '7', sku: 'SKU-MUG', strategy: 'redis-reserve', stockTotal: 10 };
const logger = { info: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as JsonLogger;

describe('RedisReserveStrategy', () => {
  function setup(results: ReserveResult[], send: () => Promise<void>, recorded?: 'ordered' | 'rejected') {
    const calls: string[] = [];
    const reservations = {
      reserve: async () => {
        const r = results.shift() ?? 'sold-out';
        calls.push(`reserve ${r}`);
        return r;
      },
      unreserve: async () => void calls.push('unreserve'),
      seed: async (_id: string, stock: number, buyers: string[]) => {
        calls.push(`seed ${stock} [${buyers.join(',')}]`);
        return true;
      },
    } as unknown as StockReservations;
    const ledger = {
      readState: async () => ({ stock: 4, sold: 6, fence: 0n }),
      buyers: async () => ['1', '2'],
      purchaseOf: async (_s: string, u: string) =>
        recorded && { view: { saleId: sale.id, userId: u, state: recorded, orderId: null }, changedAt: 0 },
    } as unknown as FlashSaleLedger;
    const producer = { send: async () => send() } as unknown as EventProducer;
    return { strategy: new RedisReserveStrategy(reservations, ledger, producer, 'test.topic'), calls };
  }

  it('should reserve and publish', async () => {
    const { strategy, calls } = setup(['reserved'], async () => undefined);
    await expect(strategy.claim(sale, '42')).resolves.toBe('reserved');
    expect(calls).toEqual(['reserve reserved']);
  });

  it('should give the reservation back when Kafka does not acknowledge it, and fail', async () => {
    const { strategy, calls } = setup(['reserved'], async () => Promise.reject(new Error('NOT_ENOUGH_REPLICAS')));
    await expect(strategy.claim(sale, '42')).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(calls).toEqual(['reserve reserved', 'unreserve']);
  });

  it('should load a sale Redis does not know from the database, then reserve', async () => {
    const { strategy, calls } = setup(['unknown', 'reserved'], async () => undefined);
    await expect(strategy.claim(sale, '42')).resolves.toBe('reserved');
    expect(calls).toEqual(['reserve unknown', 'seed 4 [1,2]', 'reserve reserved']);
  });

  it('should refuse a sold-out sale without publishing', async () => {
    let sent = 0;
    const { strategy } = setup(['sold-out'], async () => void sent++);
    await expect(strategy.claim(sale, '42')).rejects.toThrow(SoldOutError);
    expect(sent).toBe(0);
  });

  it('should publish a held reservation again when the database has not recorded it (its first answer may have been lost)', async () => {
    let sent = 0;
    const { strategy, calls } = setup(['already-reserved'], async () => void sent++);
    await expect(strategy.claim(sale, '42')).rejects.toThrow(AlreadyPurchasedError);
    expect(sent).toBe(1);
    expect(calls).toEqual(['reserve already-reserved']); // never given back: the buyer holds it
  });

  it.each(['ordered' as const, 'rejected' as const])(
    'should not publish a held reservation the database has already %s',
    async (recorded) => {
      let sent = 0;
      const { strategy } = setup(['already-reserved'], async () => void sent++, recorded);
      await expect(strategy.claim(sale, '42')).rejects.toThrow(AlreadyPurchasedError);
      expect(sent).toBe(0);
    },
  );
});

describe('RedisLockStrategy', () => {
  it('should answer 503 (LockServiceUnavailableError), not 500, when Redis cannot be reached', async () => {
    const redis = { client: { evalsha: async () => Promise.reject(new Error('Connection is closed.')) } } as unknown as RedisConnection;
    const strategy = new RedisLockStrategy(redis, {} as FlashSaleLedger, logger);
    await expect(strategy.claim({ ...sale, strategy: 'redis-lock' }, '42')).rejects.toThrow(LockServiceUnavailableError);
  });
});
