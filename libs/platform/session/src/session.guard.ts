import { createParamDecorator, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { SessionCookie } from './session-cookie';
import { SessionStore, type SessionRecord } from './session-store';

const SESSION = Symbol('dsp.session');

type WithSession = { [SESSION]?: SessionRecord; headers: Record<string, string | string[] | undefined>; protocol?: string };

/**
 * Lets a request through only with a live session (from the session cookie,
 * looked up in Redis, idle timeout slid); otherwise 401. The session is then
 * available to the handler through {@link CurrentSession}.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly store: SessionStore,
    private readonly cookie: SessionCookie,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<WithSession>();
    const session = await this.store.authenticate(this.cookie.read(req));
    if (!session) throw new UnauthorizedException('no valid session: log in with POST /api/sessions');
    req[SESSION] = session;
    return true;
  }
}

/** The session {@link SessionGuard} resolved for this request. */
export const CurrentSession = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionRecord => {
  const s = ctx.switchToHttp().getRequest<WithSession>()[SESSION];
  if (!s) throw new UnauthorizedException('no valid session');
  return s;
});
