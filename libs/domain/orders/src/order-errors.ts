/** No such order for this user (another user's order is "not found" too). Maps to 404. */
export class OrderNotFoundError extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} not found`);
  }
}

/** The order's status does not allow the change (e.g. paying a cancelled order). Maps to 409. */
export class OrderStateError extends Error {
  constructor(orderId: string, from: string, action: string) {
    super(`order ${orderId} is ${from}; cannot ${action} it`);
  }
}

/** The same Idempotency-Key is being processed right now. Maps to 409. */
export class IdempotencyInFlightError extends Error {
  constructor(key: string) {
    super(`a request with Idempotency-Key "${key}" is still in flight; retry later`);
  }
}

/** The Idempotency-Key was used before with a different body. Maps to 422. */
export class IdempotencyMismatchError extends Error {
  constructor(key: string) {
    super(`Idempotency-Key "${key}" was already used with a different request body`);
  }
}

/** The order names a SKU the catalog does not have. Maps to 422. */
export class UnknownSkuError extends Error {
  constructor(skus: string[]) {
    super(`unknown sku: ${skus.join(', ')}`);
  }
}
