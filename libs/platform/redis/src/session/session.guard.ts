import { createParamDecorator, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ReadPositions } from './read-positions';
import { SessionCookie } from './session-cookie';
import { SessionStore, type SessionRecord } from './session-store';

const SESSION = Symbol('dsp.session');
const POSITIONS = Symbol('dsp.readPositions');

type WithSession = {
  [SESSION]?: SessionRecord;
  [POSITIONS]?: ReadPositions;
  headers: Record<string, string | string[] | undefined>;
  protocol?: string;
};

/**
 * Lets a request through only with a live session (from the session cookie,
 * looked up in Redis, idle timeout slid); otherwise 401. The session is then
 * available to the handler through {@link CurrentSession}, and its
 * read-your-writes positions through {@link CurrentReadPositions}.
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
    req[POSITIONS] = new ReadPositions(this.store, session);
    return true;
  }
}

/** The session {@link SessionGuard} resolved for this request. */
export const CurrentSession = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionRecord => {
  const s = ctx.switchToHttp().getRequest<WithSession>()[SESSION];
  if (!s) throw new UnauthorizedException('no valid session');
  return s;
});

/** The read-your-writes positions of the session {@link SessionGuard} resolved for this request. */
export const CurrentReadPositions = createParamDecorator((_data: unknown, ctx: ExecutionContext): ReadPositions => {
  const p = ctx.switchToHttp().getRequest<WithSession>()[POSITIONS];
  if (!p) throw new UnauthorizedException('no valid session');
  return p;
});
