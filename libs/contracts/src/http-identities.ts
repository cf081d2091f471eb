import { localEd25519 } from './local-secrets';
import { SERVICE_NAMES, type ServiceName } from './service-instance';

/** The request header that carries a service token (`v1.<payload>.<signature>`). */
export const SERVICE_TOKEN_HEADER = 'x-dsp-service-token';

/**
 * The request header that carries how long the caller still waits for the answer, in whole
 * milliseconds from when it sent the request (its deadline, relative so that clocks need not agree).
 * The service client sets it on every attempt; a service's admission gate waits no longer than it.
 */
export const DEADLINE_HEADER = 'x-dsp-deadline-ms';

/**
 * Routes every service answers to anyone: liveness and readiness (docs/security.md). `/metrics` is
 * outside the service-token rule too, but not open: it has identities of its own (`METRICS_IDENTITIES`).
 */
export const OPEN_ROUTES: readonly string[] = ['/health/live', '/health/ready'];

/**
 * A service's HTTP identity: the Ed25519 key pair it signs its service
 * tokens with. `publicKeys` lists every key a token of this service may be
 * signed with (two during a rotation); `privateKey` is the loopback stack's
 * key, generated per stack (`localEd25519`, read on first use; services read
 * `HTTP_PRIVATE_KEY`; `PLATFORM_PROFILE=production` refuses to start without
 * it). Keys are base64 DER (SPKI / PKCS#8).
 */
export interface HttpIdentity {
  readonly publicKeys: readonly string[];
  readonly privateKey: string;
}

/** A service's key pair of the local stack, derived from its seed on first read (`localEd25519`). */
function localHttpIdentity(service: ServiceName): HttpIdentity {
  return {
    get publicKeys() {
      return [localEd25519(`http/${service}`).publicKey];
    },
    get privateKey() {
      return localEd25519(`http/${service}`).privateKey;
    },
  };
}

export const HTTP_IDENTITIES: Record<ServiceName, HttpIdentity> = {
  [SERVICE_NAMES.gateway]: localHttpIdentity(SERVICE_NAMES.gateway),
  [SERVICE_NAMES.user]: localHttpIdentity(SERVICE_NAMES.user),
  [SERVICE_NAMES.order]: localHttpIdentity(SERVICE_NAMES.order),
  // @dsp/workspace:service http-identities
};

/** The public keys of every identity in the table, per issuer: what a local-profile verifier trusts. */
export function localHttpPublicKeys(): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(HTTP_IDENTITIES).map(([name, id]) => [name, id.publicKeys]));
}

/** One right: `caller` may send `methods` to paths under `pathPrefix` on the callee. */
export interface HttpRight {
  readonly caller: ServiceName;
  readonly methods: readonly string[] | 'ANY';
  /** A path prefix ending in `/`, or an exact path. */
  readonly pathPrefix: string;
}

/**
 * Who may call which routes of which service. Everything not listed (and
 * not in {@link OPEN_ROUTES}, nor `/metrics`, which has identities of its own) answers 401 without a valid token and 403 with
 * a token of a caller that has no right to the route.
 *
 * - the gateway forwards the public API to user-service and order-service,
 *   and the token-checked `/api/admin/config/<app>` to each app's
 *   `/internal/config` (its own included, through its other instances);
 * - order-service looks up the user behind an order (`GET /internal/users/<id>`).
 *
 * On the gateway itself only `/internal/*` is guarded (it is the public
 * edge); it answers 404 there without a gateway token, as if the routes did
 * not exist.
 */
export const HTTP_RIGHTS: Record<ServiceName, readonly HttpRight[]> = {
  [SERVICE_NAMES.gateway]: [{ caller: SERVICE_NAMES.gateway, methods: 'ANY', pathPrefix: '/internal/config' }],
  [SERVICE_NAMES.user]: [
    { caller: SERVICE_NAMES.gateway, methods: 'ANY', pathPrefix: '/api/' },
    { caller: SERVICE_NAMES.gateway, methods: 'ANY', pathPrefix: '/internal/config' },
    { caller: SERVICE_NAMES.order, methods: ['GET'], pathPrefix: '/internal/users/' },
  ],
  [SERVICE_NAMES.order]: [
    { caller: SERVICE_NAMES.gateway, methods: 'ANY', pathPrefix: '/api/' },
    { caller: SERVICE_NAMES.gateway, methods: 'ANY', pathPrefix: '/internal/config' },
  ],
  // @dsp/workspace:service http-rights
};

/** Whether `path` (no query string) falls under `prefix`: `/a/` covers `/a/b`; `/a` covers `/a` and `/a/b` but not `/ab`. */
export function pathUnder(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Whether `caller` may send `method` to `path` on `callee`. */
export function httpAllowed(callee: string, caller: string, method: string, path: string): boolean {
  const rights = (HTTP_RIGHTS as Readonly<Record<string, readonly HttpRight[] | undefined>>)[callee] ?? [];
  return rights.some((r) => r.caller === caller && (r.methods === 'ANY' || r.methods.includes(method)) && pathUnder(path, r.pathPrefix));
}
