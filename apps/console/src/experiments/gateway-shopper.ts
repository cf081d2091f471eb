import { randomBytes } from 'node:crypto';
import type { FlashSalePurchaseView } from '@dsp/contracts';

/** One answer through the gateway: status, JSON body, and which database node served the read (`x-db-route`). */
export interface ShopAnswer<T> {
  readonly status: number;
  readonly body: T | undefined;
  /** `order_db_0:replica0;replica`: the node, then why it was chosen; undefined for a write. */
  readonly route: string | undefined;
  /** `Retry-After` of a 429 or 503, in seconds. */
  readonly retryAfterSeconds?: number;
}

/** The gateway refused to register a shopper: its status, and for a spent per-address limit (429) how long to wait. */
export class RegistrationRefused extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterSeconds: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RegistrationRefused';
  }
}

export interface OrderBody {
  readonly id: string;
}

/**
 * A person shopping through the gateway, as the browser does: registered and
 * logged in on creation, with a cookie jar of its own, placing orders with an
 * idempotency key and reading them back. It guarantees only the public API's
 * path (gateway, session cookie, user-service check); each answer says which
 * database node served it.
 */
export class GatewayShopper {
  private readonly cookies = new Map<string, string>();
  private seq = 0;

  private constructor(
    private readonly gatewayUrl: string,
    readonly username: string,
    readonly id: string,
  ) {}

  /** Registers a fresh user named `<prefix>_<random>` and logs it in; throws with the gateway's answer when either is refused. */
  static async register(gatewayUrl: string, prefix: string): Promise<GatewayShopper> {
    const username = `${prefix}_${randomBytes(8).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    const probe = new GatewayShopper(gatewayUrl, username, '');
    const reg = await probe.call<{ id: string; message?: string }>('POST', '/api/users', { username, password });
    if (reg.status !== 201 || !reg.body?.id)
      throw new RegistrationRefused(
        reg.status,
        reg.retryAfterSeconds,
        `registering ${username} through the gateway: ${reg.status} ${JSON.stringify(reg.body)}`,
      );
    const shopper = new GatewayShopper(gatewayUrl, username, reg.body.id);
    const login = await shopper.call('POST', '/api/sessions', { username, password });
    if (login.status !== 200) throw new Error(`logging ${username} in through the gateway: ${login.status} ${JSON.stringify(login.body)}`);
    return shopper;
  }

  /** Places one order; the same `idempotencyKey` again (a retry) places nothing more. */
  placeOrder(idempotencyKey = this.newKey()): Promise<ShopAnswer<OrderBody>> {
    return this.call<OrderBody>('POST', '/api/orders', { items: [{ sku: 'SKU-MUG', quantity: 1 }] }, { 'idempotency-key': idempotencyKey });
  }

  /** A fresh idempotency key of this shopper. */
  newKey(): string {
    return `console-${this.id}-${Date.now()}-${this.seq++}`;
  }

  /** The account, with `orderStats` projected from the order events (eventually consistent). */
  me(): Promise<ShopAnswer<{ orderStats?: { ordersCount?: string } }>> {
    return this.call('GET', '/api/users/me');
  }

  /** Buys one unit in flash sale `saleId`: 201 ordered, 202 reserved, 409 sold out, 503 the lock was not had in time; again: a replay. */
  purchase(saleId: string): Promise<ShopAnswer<FlashSalePurchaseView>> {
    return this.call<FlashSalePurchaseView>('POST', `/api/flash-sales/${encodeURIComponent(saleId)}/purchase`);
  }

  getOrder(id: string): Promise<ShopAnswer<OrderBody>> {
    return this.call<OrderBody>('GET', `/api/orders/${encodeURIComponent(id)}`);
  }

  listOrders(): Promise<ShopAnswer<{ orders: OrderBody[] }>> {
    return this.call<{ orders: OrderBody[] }>('GET', '/api/orders?limit=5');
  }

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ShopAnswer<T>> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookies.size > 0) h['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${this.gatewayUrl}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await res.text();
    let parsed: T | undefined;
    try {
      parsed = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      parsed = undefined;
    }
    const retryAfter = Number(res.headers.get('retry-after'));
    return {
      status: res.status,
      body: parsed,
      route: res.headers.get('x-db-route') ?? undefined,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  }
}
