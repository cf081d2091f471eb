import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';

/** Injection token of the admin bearer token (config `ADMIN_TOKEN`). */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** Lets a request through only with `Authorization: Bearer <ADMIN_TOKEN>` (constant-time comparison). */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(ctx: ExecutionContext): boolean {
    const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['authorization'] ?? '';
    const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
    const want = Buffer.from(this.token);
    if (given.length !== want.length || !timingSafeEqual(given, want))
      throw new UnauthorizedException('admin token required: Authorization: Bearer <ADMIN_TOKEN>');
    return true;
  }
}
