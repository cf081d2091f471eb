import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  NotFoundException,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CREATE_ORDER_BODY_SCHEMA, IDEMPOTENCY_KEY_PATTERN, type CreateOrderRequest, type OrderPage, type OrderView } from '@dsp/contracts';
import { OrdersService } from '@dsp/orders';
import { JsonBodyPipe } from '@dsp/service-defaults';
import { CurrentReadPositions, CurrentSession, SessionGuard, type ReadPositions, type SessionRecord } from '@dsp/redis';
import { OrderIntake, type TicketStatus } from './order-intake';
import { UserDirectory } from './user-directory';

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new BadRequestException('limit must be an integer from 1 to 100');
  return n;
}

/** The logged-in user's orders. Sessions come from Redis (shared with user-service). */
@Controller('api/orders')
@UseGuards(SessionGuard)
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly users: UserDirectory,
    private readonly intake: OrderIntake,
  ) {}

  /**
   * Places an order. `Idempotency-Key` is required: one order per key; a
   * replay answers the first response (with `idempotent-replayed: true`); the
   * same key with another body is 422; while the first is in flight, 409.
   */
  @Post()
  @HttpCode(201)
  async create(
    @CurrentSession() s: SessionRecord,
    @CurrentReadPositions() positions: ReadPositions,
    @Headers('idempotency-key') key: string | undefined,
    @Body(new JsonBodyPipe(CREATE_ORDER_BODY_SCHEMA)) body: CreateOrderRequest,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    if (!key) throw new BadRequestException('the Idempotency-Key header is required');
    if (!IDEMPOTENCY_KEY_PATTERN.test(key))
      throw new BadRequestException('Idempotency-Key must be 8-64 characters of letters, digits, "-", "_", ".", ":"');
    await this.users.requireUser(s.userId, String(req.id));
    const w = await this.orders.place(s.userId, key, body.items);
    await positions.record(w);
    void reply.header('idempotent-replayed', String(w.replayed));
    void reply.header('x-db-shard', w.source);
    return w.order;
  }

  /**
   * Peak shaving: validates, queues the request on `order.requests.v1` and
   * answers 202 with a ticket at once; the order is created later, at the
   * configured rate. Follow it at `GET /api/orders/requests/:ticket`.
   */
  @Post('async')
  @HttpCode(202)
  async createAsync(
    @CurrentSession() s: SessionRecord,
    @Body(new JsonBodyPipe(CREATE_ORDER_BODY_SCHEMA)) body: CreateOrderRequest,
  ): Promise<TicketStatus> {
    return this.intake.submit(s.userId, body.items);
  }

  /** `pending`, `created` (with the order id) or `rejected` (with the reason); 404 for another user's ticket. */
  @Get('requests/:ticket')
  async ticket(@CurrentSession() s: SessionRecord, @Param('ticket') ticket: string): Promise<TicketStatus> {
    const st = await this.intake.status(s.userId, ticket);
    if (!st) throw new NotFoundException(`no order request ${ticket}`);
    return st;
  }

  /** My orders, newest first: `?limit=1..100&cursor=`. */
  @Get()
  async list(
    @CurrentSession() s: SessionRecord,
    @CurrentReadPositions() positions: ReadPositions,
    @Query('limit') limit: string | undefined,
    @Query('cursor') cursor: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderPage> {
    const page = await this.orders.listMine(s.userId, parseLimit(limit), cursor || undefined, positions);
    void reply.header('x-db-route', `${page.route.node};${page.route.reason}`);
    return { orders: page.orders, nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(
    @CurrentSession() s: SessionRecord,
    @CurrentReadPositions() positions: ReadPositions,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    const { order, route } = await this.orders.get(s.userId, id, positions);
    void reply.header('x-db-route', `${route.node};${route.reason}`);
    return order;
  }

  /** CREATED -> PAID; 409 from any other status. */
  @Post(':id/pay')
  @HttpCode(200)
  async pay(
    @CurrentSession() s: SessionRecord,
    @CurrentReadPositions() positions: ReadPositions,
    @Param('id') id: string,
  ): Promise<OrderView> {
    const w = await this.orders.pay(s.userId, id);
    await positions.record(w);
    return w.order;
  }

  /** CREATED -> CANCELLED; 409 from any other status. */
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(
    @CurrentSession() s: SessionRecord,
    @CurrentReadPositions() positions: ReadPositions,
    @Param('id') id: string,
  ): Promise<OrderView> {
    const w = await this.orders.cancel(s.userId, id);
    await positions.record(w);
    return w.order;
  }
}
