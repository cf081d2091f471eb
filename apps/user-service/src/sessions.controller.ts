import { Body, Controller, Delete, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOGIN_BODY_SCHEMA, type LoginRequest } from '@dsp/contracts';
import { JsonBodyPipe } from '@dsp/service-defaults';
import { SessionCookie, SessionStore } from '@dsp/redis';
import { ConfigCenter } from '@dsp/zookeeper';
import { UsersService } from '@dsp/users';
import { clientIp, userAgent } from './request-meta';
import { USER_DB } from './user-db';
import type { USER_SERVICE_LIVE_CONFIG } from './user-service.live-config';

/** `POST /api/sessions` (login) and `DELETE /api/sessions/current` (logout). */
@Controller('api/sessions')
export class SessionsController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionStore,
    private readonly cookie: SessionCookie,
    @Inject(ConfigCenter) private readonly config: ConfigCenter<typeof USER_SERVICE_LIVE_CONFIG>,
  ) {}

  /**
   * Checks the credentials on the primary and opens a NEW session (a new id,
   * whatever cookie came in); a session the request already carried is
   * destroyed, so an id planted before login is worthless after it.
   */
  @Post()
  @HttpCode(200)
  async login(
    @Body(new JsonBodyPipe(LOGIN_BODY_SCHEMA)) body: LoginRequest,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { user, position } = await this.users.verifyCredentials(body.username, body.password);
    const previous = await this.sessions.authenticate(this.cookie.read(req));
    if (previous) await this.sessions.destroy(previous.userId, previous.handle);
    const view = this.config.view;
    const idle = view['session.idleTimeoutSeconds'];
    const absolute = Math.max(idle, view['session.absoluteTimeoutSeconds']);
    const { id, record } = await this.sessions.create({
      userId: user.id,
      username: user.username,
      idleTimeoutMs: idle * 1000,
      absoluteTimeoutMs: absolute * 1000,
      ip: clientIp(req),
      userAgent: userAgent(req),
      readPositions: { [USER_DB]: position },
    });
    void reply.header('set-cookie', this.cookie.issue(req, id, absolute));
    void reply.header('cache-control', 'no-store');
    return {
      user,
      session: { id: record.handle, expiresAt: new Date(record.absoluteExpiresAt).toISOString(), idleTimeoutSeconds: idle },
    };
  }

  /** Deletes the current session (204); 401 when the request has none. */
  @Delete('current')
  @HttpCode(204)
  async logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const s = await this.sessions.authenticate(this.cookie.read(req));
    void reply.header('set-cookie', this.cookie.clear(req));
    if (!s) {
      void reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'no valid session' });
      return;
    }
    await this.sessions.destroy(s.userId, s.handle);
  }
}
