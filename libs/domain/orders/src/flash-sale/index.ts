export {
  AlreadyPurchasedError,
  FlashSaleNotFoundError,
  LockBusyError,
  LockServiceUnavailableError,
  PurchaseInProgressError,
  SoldOutError,
  StaleLockTokenError,
  UnknownStrategyError,
} from './flash-sale-errors';
export { FlashSaleLedger, type PurchaseRecord, type SaleRef, type SaleState } from './flash-sale-ledger';
export { FlashSaleReconciler, type FlashSaleReconcilerOptions } from './flash-sale-reconciler';
export {
  DEFAULT_FLASH_SALE_SERVICE_OPTIONS,
  FlashSaleService,
  flashSaleOrderKey,
  type FlashSaleServiceOptions,
  type PurchaseResult,
} from './flash-sale.service';
export { PurchaseStrategies } from './purchase-strategies';
export type { ClaimOutcome, PurchaseStrategy } from './purchase-strategy';
export { StockReservations, type ReserveResult } from './stock-reservations';
export { DbAtomicStrategy } from './strategies/db-atomic.strategy';
export { RedisLockStrategy, type RedisLockStrategyOptions } from './strategies/redis-lock.strategy';
export { RedisReserveStrategy, type FlashSaleReservedV1 } from './strategies/redis-reserve.strategy';
export { ZkLockStrategy, type ZkLockStrategyOptions } from './strategies/zk-lock.strategy';
