import { parseCookies, serializeCookie } from './cookie';

export interface SessionCookieOptions {
  /** Cookie name over plain HTTP. @default 'dsp.sid' */
  name: string;
  /** Cookie name over TLS: the `__Host-` prefix pins it to this host, Secure, Path=/. @default '__Host-dsp.sid' */
  secureName: string;
  /** `auto`: Secure when the request came over TLS (directly or `X-Forwarded-Proto: https` from the gateway). @default 'auto' */
  secure: 'auto' | 'always' | 'never';
}

export const DEFAULT_SESSION_COOKIE_OPTIONS: SessionCookieOptions = {
  name: 'dsp.sid',
  secureName: '__Host-dsp.sid',
  secure: 'auto',
};

/** The parts of a request the cookie policy looks at. */
export interface CookieRequest {
  headers: Record<string, string | string[] | undefined>;
  protocol?: string;
}

/**
 * Where the session id travels: an `HttpOnly`, `SameSite=Lax` cookie, `Secure`
 * and `__Host-`-prefixed when served over TLS; never readable by page scripts
 * and not sent on cross-site subrequests.
 */
export class SessionCookie {
  readonly options: SessionCookieOptions;

  constructor(options: Partial<SessionCookieOptions> = {}) {
    this.options = { ...DEFAULT_SESSION_COOKIE_OPTIONS, ...options };
  }

  isSecure(req: CookieRequest): boolean {
    if (this.options.secure !== 'auto') return this.options.secure === 'always';
    const xfp = req.headers['x-forwarded-proto'];
    const proto = (Array.isArray(xfp) ? xfp[0] : xfp)?.split(',')[0]?.trim();
    return proto === 'https' || req.protocol === 'https';
  }

  /** The session id the request carries (the `__Host-` cookie wins over the plain one). */
  read(req: CookieRequest): string | undefined {
    const raw = req.headers.cookie;
    const cookies = parseCookies(Array.isArray(raw) ? raw.join('; ') : raw);
    return cookies.get(this.options.secureName) ?? cookies.get(this.options.name);
  }

  /** `Set-Cookie` value carrying `id`; `maxAgeSeconds` bounds the browser's copy to the absolute timeout. */
  issue(req: CookieRequest, id: string, maxAgeSeconds: number): string {
    const secure = this.isSecure(req);
    return serializeCookie(secure ? this.options.secureName : this.options.name, id, {
      httpOnly: true,
      sameSite: 'Lax',
      secure,
      path: '/',
      maxAgeSeconds,
    });
  }

  /** `Set-Cookie` value that deletes the cookie. */
  clear(req: CookieRequest): string {
    const secure = this.isSecure(req);
    return serializeCookie(secure ? this.options.secureName : this.options.name, '', {
      httpOnly: true,
      sameSite: 'Lax',
      secure,
      path: '/',
      maxAgeSeconds: 0,
    });
  }
}
