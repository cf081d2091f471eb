import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { bearerTokenMatches } from '@dsp/service-defaults';

/** Injection token of the admin bearer token (config `ADMIN_TOKEN`). */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** Lets a request through only with `Authorization: Bearer <ADMIN_TOKEN>` (the scheme required; constant-time comparison). */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(ctx: ExecutionContext): boolean {
    const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['authorization'] ?? '';
    if (!bearerTokenMatches(header, this.token))
      throw new UnauthorizedException('admin token required: Authorization: Bearer <ADMIN_TOKEN>');
    return true;
  }
}
