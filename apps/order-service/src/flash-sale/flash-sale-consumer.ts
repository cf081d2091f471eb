import type { FlashSaleReservedV1, FlashSaleService } from '@dsp/orders';
import { PoisonMessageError, type IncomingMessage } from '@dsp/messaging';

/** Turns reservations from `flashsale.reserved.v1` into database units and orders (group `order-service.flash-sale`). */
export class FlashSaleConsumer {
  constructor(private readonly sales: FlashSaleService) {}

  async consume(m: IncomingMessage): Promise<void> {
    let r: FlashSaleReservedV1;
    try {
      r = JSON.parse(m.value) as FlashSaleReservedV1;
    } catch {
      throw new PoisonMessageError('flash-sale reservation is not JSON');
    }
    if (r.version !== 1 || !/^\d{1,20}$/.test(String(r.saleId)) || !/^\d{1,20}$/.test(String(r.userId)))
      throw new PoisonMessageError(`not a flash-sale reservation v1 (version ${JSON.stringify(r.version)})`);
    await this.sales.applyReservation(String(r.saleId), String(r.userId));
  }
}
