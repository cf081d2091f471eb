import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  CHANGE_PASSWORD_BODY_SCHEMA,
  REGISTER_BODY_SCHEMA,
  type ChangePasswordRequest,
  type RegisterRequest,
  type SessionView,
} from '@dsp/contracts';
import { JsonBodyPipe } from '@dsp/service-defaults';
import {
  CurrentReadPositions,
  CurrentSession,
  SessionCookie,
  SessionGuard,
  SessionStore,
  type ReadPositions,
  type SessionRecord,
} from '@dsp/redis';
import { OrderStatsProjector, UsersService } from '@dsp/users';
import { RegistrationThrottle } from './registration-throttle';
import { clientIp } from './request-meta';

/** Accounts: register, me, my sessions, change password. */
@Controller('api/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionStore,
    private readonly cookie: SessionCookie,
    private readonly stats: OrderStatsProjector,
    private readonly registrations: RegistrationThrottle,
  ) {}

  /** 201 with the new user; 409 when the username is taken (case-insensitively); 429 over the per-address limit. */
  @Post()
  async register(@Body(new JsonBodyPipe(REGISTER_BODY_SCHEMA)) body: RegisterRequest, @Req() req: FastifyRequest) {
    await this.registrations.admit(clientIp(req));
    const { user } = await this.users.register(body.username, body.password);
    return user;
  }

  /**
   * The logged-in user. Read from a replica only if it has applied the
   * session's read position (its login, or its last write), else from the
   * primary: never older than what this user wrote. `x-db-route` says which.
   * `orderStats` come from order events (eventually consistent, docs/notes.md#n5).
   */
  @Get('me')
  @UseGuards(SessionGuard)
  async me(
    @CurrentSession() s: SessionRecord,
    @CurrentReadPositions() positions: ReadPositions,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const found = await this.users.findById(s.userId, positions);
    if (!found) {
      await this.sessions.destroy(s.userId, s.handle);
      throw new NotFoundException('the account of this session no longer exists');
    }
    void reply.header('x-db-route', `${found.route.node};${found.route.reason}`);
    void reply.header('cache-control', 'no-store');
    const orderStats = await this.stats.statsOf(s.userId);
    return { ...found.user, orderStats, session: { id: s.handle, expiresAt: new Date(s.absoluteExpiresAt).toISOString() } };
  }

  @Get('me/sessions')
  @UseGuards(SessionGuard)
  async mySessions(@CurrentSession() s: SessionRecord): Promise<{ sessions: SessionView[] }> {
    const all = await this.sessions.list(s.userId);
    return {
      sessions: all.map((r) => ({
        id: r.handle,
        current: r.handle === s.handle,
        createdAt: new Date(r.createdAt).toISOString(),
        lastSeenAt: new Date(r.lastSeenAt).toISOString(),
        expiresAt: new Date(Math.min(r.absoluteExpiresAt, r.lastSeenAt + r.idleTimeoutMs)).toISOString(),
        ip: r.ip,
        userAgent: r.userAgent,
      })),
    };
  }

  /** Revokes every session of the user, this one included (204). */
  @Delete('me/sessions')
  @UseGuards(SessionGuard)
  @HttpCode(204)
  async revokeAll(@CurrentSession() s: SessionRecord, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.sessions.revokeAll(s.userId);
    void reply.header('set-cookie', this.cookie.clear(req));
  }

  /** Revokes one of the user's sessions by its id from the list (204; 404 if it is not one of theirs). */
  @Delete('me/sessions/:id')
  @UseGuards(SessionGuard)
  @HttpCode(204)
  async revokeOne(@CurrentSession() s: SessionRecord, @Param('id') id: string) {
    const target = await this.sessions.get(id);
    if (!target || target.userId !== s.userId) throw new NotFoundException(`no session ${id} of this user`);
    await this.sessions.destroy(s.userId, id);
  }

  /** Changes the password (checked against the current one) and revokes every other session of the user (204). */
  @Put('me/password')
  @UseGuards(SessionGuard)
  @HttpCode(204)
  async changePassword(
    @CurrentSession() s: SessionRecord,
    @CurrentReadPositions() positions: ReadPositions,
    @Body(new JsonBodyPipe(CHANGE_PASSWORD_BODY_SCHEMA)) body: ChangePasswordRequest,
  ) {
    await positions.record(await this.users.changePassword(s.userId, s.username, body.currentPassword, body.newPassword));
    await this.sessions.revokeAll(s.userId, s.handle);
  }
}
