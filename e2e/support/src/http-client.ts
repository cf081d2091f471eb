import { HTTP_IDENTITIES, SERVICE_TOKEN_HEADER, type ServiceName } from '@dsp/contracts';
import { ServiceTokenSigner } from '@dsp/service-defaults';

/** One HTTP answer, body parsed as JSON when it is JSON. */
export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  /** `Set-Cookie` values of the response. */
  setCookies: string[];
}

export interface HttpCallOptions {
  body?: unknown;
  /** Sent as-is instead of JSON (with `contentType`). */
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * A tiny HTTP client for black-box tests with its own cookie jar, so one
 * instance behaves like one browser: `login()` then `get('/api/users/me')`.
 */
export class HttpClient {
  private readonly cookies = new Map<string, string>();
  private serviceToken: (() => string) | undefined;

  constructor(public baseUrl: string) {}

  /**
   * Sends `caller`'s service token for `audience` on every call (a fresh one
   * as each expires), as that service would: a direct call to a service port
   * needs one (docs/security.md). Returns this client.
   */
  as(caller: ServiceName, audience: ServiceName): this {
    const signer = new ServiceTokenSigner(caller, HTTP_IDENTITIES[caller].privateKey);
    this.serviceToken = () => signer.tokenFor(audience);
    return this;
  }

  /** The jar's value of a cookie. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string | undefined): void {
    if (value === undefined) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  /** A client with the same cookies talking to another base URL (another instance). */
  at(baseUrl: string): HttpClient {
    const c = new HttpClient(baseUrl);
    for (const [k, v] of this.cookies) c.cookies.set(k, v);
    c.serviceToken = this.serviceToken;
    return c;
  }

  async call<T = Record<string, unknown>>(method: string, path: string, opts: HttpCallOptions = {}): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = {
      ...(this.serviceToken ? { [SERVICE_TOKEN_HEADER]: this.serviceToken() } : {}),
      ...opts.headers,
    };
    if (this.cookies.size) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (opts.rawBody !== undefined) {
      body = opts.rawBody;
      headers['content-type'] = opts.contentType ?? 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const setCookies = res.headers.getSetCookie();
    for (const sc of setCookies) {
      const [pair, ...attrs] = sc.split(';');
      const i = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, i).trim();
      const value = (pair ?? '').slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, setCookies };
  }

  get<T = Record<string, unknown>>(path: string, opts?: HttpCallOptions): Promise<HttpAnswer<T>> {
    return this.call<T>('GET', path, opts);
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown, opts: HttpCallOptions = {}): Promise<HttpAnswer<T>> {
    return this.call<T>('POST', path, { ...opts, body });
  }

  put<T = Record<string, unknown>>(path: string, body?: unknown, opts: HttpCallOptions = {}): Promise<HttpAnswer<T>> {
    return this.call<T>('PUT', path, { ...opts, body });
  }

  delete<T = Record<string, unknown>>(path: string, opts?: HttpCallOptions): Promise<HttpAnswer<T>> {
    return this.call<T>('DELETE', path, opts);
  }
}

/** Headers carrying `caller`'s service token for `audience`, for a raw `fetch` to a service port. */
export function serviceHeaders(caller: ServiceName, audience: ServiceName): Record<string, string> {
  return { [SERVICE_TOKEN_HEADER]: new ServiceTokenSigner(caller, HTTP_IDENTITIES[caller].privateKey).tokenFor(audience) };
}
