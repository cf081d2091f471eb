import { IdempotencyInFlightError, IdempotencyMismatchError, OrderNotFoundError, OrderStateError, UnknownSkuError } from '@dsp/orders';
import { NoInstanceError, UpstreamError } from '@dsp/service-client';
import type { ErrorStatusTable } from '@dsp/service-defaults';
import { NoWorkerIdError } from './order-ids';
import { UnknownUserError } from './user-directory';

/** The orders feature's errors and their HTTP status (the domain stays free of HTTP). */
export const ORDERS_ERROR_STATUS: ErrorStatusTable = [
  [OrderNotFoundError, 404],
  [OrderStateError, 409],
  [IdempotencyInFlightError, 409],
  [IdempotencyMismatchError, 422],
  [UnknownSkuError, 422],
  [UnknownUserError, 422],
  [NoWorkerIdError, 503],
  [NoInstanceError, 503],
  [UpstreamError, 502],
];
