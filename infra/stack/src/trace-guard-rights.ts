import { TRACE_IDENTITIES, type TraceIdentity, type TraceRight } from '@dsp/contracts';
import { identifyBasic, parseBasicAuth } from '@dsp/service-defaults';

export { parseBasicAuth };

/** What the trace guard does with one request: forward it as `identity`, or answer `status` with `{ error, reason }`. */
export type TraceDecision =
  | { readonly allow: true; readonly identity: TraceIdentity }
  | { readonly allow: false; readonly status: 401 | 403; readonly error: string; readonly reason: string };

/** The only request a `report` identity may make: Zipkin's v2 span intake (v1 is not accepted). */
export const REPORT_ROUTE = { method: 'POST', path: '/api/v2/spans' } as const;
/** The methods a `read` identity may use, on any path (the query API `/api/v2/*`, the UI `/zipkin/*`, `/health`). */
export const READ_METHODS: readonly string[] = ['GET', 'HEAD'];

/** The identity these credentials are, or undefined (compared in constant time: `identifyBasic`). */
export function identify(
  user: string,
  password: string,
  identities: readonly TraceIdentity[] = Object.values(TRACE_IDENTITIES),
): TraceIdentity | undefined {
  return identifyBasic({ user, password }, identities);
}

/** The path of a request target, without its query (`/api/v2/traces?x=1` -> `/api/v2/traces`). */
function pathOf(url: string): string {
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

/** Whether an identity holding `right` may make this request. */
export function allows(right: TraceRight, method: string, url: string): boolean {
  const m = method.toUpperCase();
  if (right === 'report') return m === REPORT_ROUTE.method && pathOf(url) === REPORT_ROUTE.path;
  return READ_METHODS.includes(m);
}

/** The right a request needs (what a 403 names). */
function neededRight(method: string, url: string): TraceRight | undefined {
  if (allows('report', method, url)) return 'report';
  if (allows('read', method, url)) return 'read';
  return undefined;
}

/**
 * The guard's whole policy, a pure function of the request line and its
 * `Authorization` header: missing, malformed or wrong credentials are 401;
 * an identity is let through only what its right allows (`report`: `POST
 * /api/v2/spans`; `read`: `GET`/`HEAD` of anything), else 403 naming it and
 * the right it lacks.
 */
export function decide(
  method: string,
  url: string,
  authorization: string | undefined,
  identities: readonly TraceIdentity[] = Object.values(TRACE_IDENTITIES),
): TraceDecision {
  const creds = parseBasicAuth(authorization);
  if ('malformed' in creds) return { allow: false, status: 401, error: 'unauthorized', reason: creds.malformed };
  const identity = identify(creds.user, creds.password, identities);
  if (identity === undefined)
    return { allow: false, status: 401, error: 'unauthorized', reason: 'unknown user or wrong password for the trace store' };
  if (allows(identity.may, method, url)) return { allow: true, identity };
  const needed = neededRight(method, url);
  const reason =
    needed === undefined
      ? `${identity.user} may ${identity.may} (${describe(identity.may)}); ${method.toUpperCase()} ${pathOf(url)} is allowed to no identity`
      : `${identity.user} lacks the right to ${needed} (it may only ${identity.may}: ${describe(identity.may)})`;
  return { allow: false, status: 403, error: 'forbidden', reason };
}

function describe(right: TraceRight): string {
  return right === 'report' ? `${REPORT_ROUTE.method} ${REPORT_ROUTE.path}` : `${READ_METHODS.join('/')} of the query API and the UI`;
}
