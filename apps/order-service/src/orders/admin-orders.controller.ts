import { BadRequestException, Body, Controller, Get, HttpCode, Param, Put, Query, UseGuards } from '@nestjs/common';
import type { OrderPage } from '@dsp/contracts';
import { OrdersService, ProductCatalog } from '@dsp/orders';
import { AdminGuard } from '../admin/admin.guard';

/** Operator views: the newest orders across every shard (scatter-gather), and the broadcast product table. */
@Controller('api/admin')
@UseGuards(AdminGuard)
export class AdminOrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly catalog: ProductCatalog,
  ) {}

  @Get('orders')
  async latest(@Query('limit') limit: string | undefined, @Query('cursor') cursor: string | undefined): Promise<OrderPage> {
    const n = limit === undefined ? 20 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new BadRequestException('limit must be an integer from 1 to 100');
    return this.orders.latest(n, cursor || undefined);
  }

  /** Writes a product to every order database (broadcast table). */
  @Put('products/:sku')
  @HttpCode(200)
  async upsertProduct(@Param('sku') sku: string, @Body() body: { name?: unknown; priceCents?: unknown }) {
    if (!/^[A-Z0-9][A-Z0-9-]{1,31}$/.test(sku)) throw new BadRequestException('sku must match ^[A-Z0-9][A-Z0-9-]{1,31}$');
    if (typeof body?.name !== 'string' || body.name.length < 1 || body.name.length > 128)
      throw new BadRequestException('body/name must be a string of 1-128 characters');
    if (typeof body.priceCents !== 'string' || !/^\d{1,15}$/.test(body.priceCents))
      throw new BadRequestException('body/priceCents must be a string of digits');
    await this.catalog.upsert({ sku, name: body.name, priceCents: body.priceCents });
    return this.catalog.copies(sku);
  }
}
