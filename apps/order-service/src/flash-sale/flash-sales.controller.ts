import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CREATE_FLASH_SALE_BODY_SCHEMA, type CreateFlashSaleRequest, type FlashSalePurchaseView, type FlashSaleView } from '@dsp/contracts';
import { FlashSaleService } from '@dsp/orders';
import { JsonBodyPipe, MetricsRegistry } from '@dsp/service-defaults';
import { CurrentSession, SessionGuard, type SessionRecord } from '@dsp/redis';
import { AdminGuard } from '../admin/admin.guard';

/** A replayed purchase the database rejected: the documented error body and the purchase itself. */
export type RejectedPurchaseBody = FlashSalePurchaseView & { statusCode: 409; error: 'Conflict'; message: string };

/**
 * Flash sales: an admin starts one (`POST /api/flash-sales`, bearer
 * ADMIN_TOKEN), anyone reads its stock, logged-in buyers purchase one unit
 * each: 201 with the order (`zk-lock`, `redis-lock`, `db-atomic`), 202
 * `reserved` (`redis-reserve`: the order follows through Kafka), 409 sold out,
 * 503 when the lock could not be had in time. A buyer's repeated purchase
 * answers like the first one (201 or 202, the purchase as it stands now) with
 * `idempotent-replayed: true`; a reservation the database rejected replays as
 * 409 with `state: rejected`; a purchase still being written by another call
 * is 409 "in progress".
 */
@Controller('api/flash-sales')
export class FlashSalesController {
  private readonly outcomes;

  constructor(
    private readonly sales: FlashSaleService,
    metrics: MetricsRegistry,
  ) {
    this.outcomes = metrics.counter(
      'flash_sale_purchases_total',
      'Flash-sale purchase answers by HTTP status, and whether they replayed an earlier purchase.',
      ['status', 'replayed'],
    );
  }

  @Post()
  @HttpCode(201)
  @UseGuards(AdminGuard)
  start(@Body(new JsonBodyPipe(CREATE_FLASH_SALE_BODY_SCHEMA)) body: CreateFlashSaleRequest): Promise<FlashSaleView> {
    return this.sales.start(body.sku, body.stock, body.strategy);
  }

  @Get(':id')
  view(@Param('id') id: string): Promise<FlashSaleView> {
    return this.sales.view(id);
  }

  @Post(':id/purchase')
  @UseGuards(SessionGuard)
  async purchase(
    @CurrentSession() s: SessionRecord,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FlashSalePurchaseView | RejectedPurchaseBody> {
    try {
      const { purchase: p, replayed, queued } = await this.sales.purchase(id, s.userId);
      const status = p.state === 'rejected' ? 409 : queued ? 202 : 201;
      this.outcomes.inc({ status: String(status), replayed: String(replayed) });
      void reply.status(status).header('idempotent-replayed', String(replayed));
      if (p.state !== 'rejected') return p;
      const why = p.reason ? `: ${p.reason}` : '';
      return { statusCode: 409, error: 'Conflict', message: `your reservation in flash sale ${id} was rejected${why}`, ...p };
    } catch (e) {
      this.outcomes.inc({ status: 'error', replayed: 'false' });
      throw e;
    }
  }

  /** The caller's purchase in this sale (follow a `reserved` one until `ordered` or `rejected`); 404 when none. */
  @Get(':id/purchase')
  @UseGuards(SessionGuard)
  async mine(@CurrentSession() s: SessionRecord, @Param('id') id: string): Promise<FlashSalePurchaseView> {
    const p = await this.sales.purchaseStatus(id, s.userId);
    if (!p) throw new NotFoundException(`you have no purchase in flash sale ${id}`);
    return p;
  }
}
