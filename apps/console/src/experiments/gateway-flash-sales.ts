import type { FlashSaleStrategyName, FlashSaleView } from '@dsp/contracts';

/** What the flash-sale race needs of the flash-sale API: start a sale, read its stock. */
export interface FlashSales {
  start(sku: string, stock: number, strategy: FlashSaleStrategyName): Promise<FlashSaleView>;
  /** The sale as the database has it (stock and sold, read on the primary). */
  view(id: string): Promise<FlashSaleView>;
}

/**
 * The gateway's flash-sale routes as an operator calls them: `POST
 * /api/flash-sales` with the admin token (`Authorization: Bearer`), `GET
 * /api/flash-sales/:id` anonymously, like any page. Each call has a 10 s
 * deadline; an answer other than the route's success throws with the gateway's
 * status and message.
 */
export class GatewayFlashSales implements FlashSales {
  constructor(
    private readonly gatewayUrl: string,
    private readonly adminToken: string,
  ) {}

  start(sku: string, stock: number, strategy: FlashSaleStrategyName): Promise<FlashSaleView> {
    return this.call('POST', '/api/flash-sales', 201, { sku, stock, strategy });
  }

  view(id: string): Promise<FlashSaleView> {
    return this.call('GET', `/api/flash-sales/${encodeURIComponent(id)}`, 200);
  }

  private async call<T>(method: string, path: string, expect: number, body?: unknown): Promise<T> {
    const res = await fetch(`${this.gatewayUrl}${path}`, {
      method,
      headers: {
        ...(method === 'POST' ? { authorization: `Bearer ${this.adminToken}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${path} through the gateway: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}
