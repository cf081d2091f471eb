import {
  AlreadyPurchasedError,
  FlashSaleNotFoundError,
  LockBusyError,
  LockServiceUnavailableError,
  PurchaseInProgressError,
  SoldOutError,
  StaleLockTokenError,
  UnknownStrategyError,
} from '@dsp/orders';
import type { ErrorStatusTable } from '@dsp/service-defaults';

/** The flash-sale feature's errors and their HTTP status (the domain stays free of HTTP). */
export const FLASH_SALE_ERROR_STATUS: ErrorStatusTable = [
  [FlashSaleNotFoundError, 404],
  [SoldOutError, 409],
  [PurchaseInProgressError, 409],
  [AlreadyPurchasedError, 409], // the strategies' replay signal; never expected to escape
  [LockBusyError, 503],
  [LockServiceUnavailableError, 503],
  [StaleLockTokenError, 503],
  [UnknownStrategyError, 400],
];
