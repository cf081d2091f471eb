import { FLASH_SALE_STRATEGIES } from '@dsp/contracts';

/** No such sale. Maps to 404. */
export class FlashSaleNotFoundError extends Error {
  constructor(readonly saleId: string) {
    super(`flash sale ${saleId} not found`);
  }
}

/** No unit left. Maps to 409. */
export class SoldOutError extends Error {
  constructor(readonly saleId: string) {
    super(`flash sale ${saleId} is sold out`);
  }
}

/**
 * A strategy or the ledger found that this buyer already holds a unit (or a
 * reservation) of the sale. {@link FlashSaleService} turns it into a replay of
 * that purchase; it maps to 409 only if it ever escapes.
 */
export class AlreadyPurchasedError extends Error {
  constructor(saleId: string, state: string) {
    super(`you already bought in flash sale ${saleId} (purchase ${state}); one unit per buyer`);
  }
}

/**
 * The buyer's unit is taken and its order is being written by another call
 * that started less than the takeover time ago. Maps to 409: ask again later
 * (the purchase then replays) or follow `GET .../purchase`.
 */
export class PurchaseInProgressError extends Error {
  constructor(
    saleId: string,
    readonly retryAfterMs: number,
  ) {
    super(
      `your purchase in flash sale ${saleId} is in progress (its unit is yours, its order is being written); ` +
        `ask again in ${Math.ceil(retryAfterMs / 1000)} s or follow GET /api/flash-sales/${saleId}/purchase`,
    );
  }
}

/** The sale's lock was not granted in time. Maps to 503: retry. */
export class LockBusyError extends Error {
  constructor(saleId: string, waitedMs: number) {
    super(`flash sale ${saleId}: the lock was not granted within ${waitedMs} ms; retry`);
  }
}

/** The lock service (ZooKeeper, Redis) failed while the lock was requested. Maps to 503: retry. */
export class LockServiceUnavailableError extends Error {
  constructor(saleId: string, lock: string, cause: string) {
    super(`flash sale ${saleId}: the ${lock} lock could not be requested (${cause}); retry`);
  }
}

/** The holder lost its lock before writing (lease ran out, session lost), or the database refused its older token. Maps to 503: retry. */
export class StaleLockTokenError extends Error {
  constructor(
    saleId: string,
    readonly token: bigint,
    readonly seen: bigint,
  ) {
    super(
      seen > token
        ? `flash sale ${saleId}: lock token ${token} is fenced off by ${seen} (the lock was lost meanwhile); nothing was written`
        : `flash sale ${saleId}: the lock (token ${token}) was lost before the write; nothing was written`,
    );
  }
}

/** A strategy name nobody registered. Maps to 400 and lists the known ones. */
export class UnknownStrategyError extends Error {
  constructor(name: string, known: readonly string[] = FLASH_SALE_STRATEGIES) {
    super(`unknown flash-sale strategy "${name}"; known: ${known.join(', ')}`);
  }
}
