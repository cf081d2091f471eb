import { withLocalPassword } from './local-secrets';
import { SERVICE_NAMES, type ServiceName } from './service-instance';

/**
 * The trace store's door (Zipkin behind the stack's trace guard, docs/telemetry.md):
 * services report spans there, the operator reads them. `STACK_ZIPKIN_PORT` overrides it.
 */
export const ZIPKIN_PORT = 9411;

/** What an identity may do on the trace store: report spans (`POST /api/v2/spans`), or read traces (the query API and the UI). */
export type TraceRight = 'report' | 'read';

/** One identity of the trace store, with its HTTP basic credentials. */
export interface TraceIdentity {
  readonly user: string;
  readonly password: string;
  readonly may: TraceRight;
}

/**
 * Who may talk to the trace store, and for what (ADR 0021). Zipkin has no
 * authentication of its own: it listens only inside a network namespace of
 * its own, and the guard in front of it lets through a request only with the
 * credentials of one of these identities, and only what its right allows.
 *
 * - each service reports its own spans and reads nothing (a service that
 *   could read traces could read every other service's request paths);
 * - `operator` reads (the stack manager, tests, benches, people with a browser).
 *
 * The passwords are the loopback stack's, generated per stack
 * (`localSecret('zipkin/<user>')`; services read `TRACING_USER` /
 * `TRACING_PASSWORD`, which `PLATFORM_PROFILE=production` requires unless
 * tracing is off).
 */
export const TRACE_IDENTITIES: Record<ServiceName | 'operator', TraceIdentity> = {
  [SERVICE_NAMES.gateway]: withLocalPassword('zipkin', { user: 'gateway', may: 'report' }),
  [SERVICE_NAMES.user]: withLocalPassword('zipkin', { user: 'user-service', may: 'report' }),
  [SERVICE_NAMES.order]: withLocalPassword('zipkin', { user: 'order-service', may: 'report' }),
  // @dsp/workspace:service trace-identities
  operator: withLocalPassword('zipkin', { user: 'dsp-operator', may: 'read' }),
};

/** The `Authorization` header value of an identity (HTTP basic). */
export function traceAuthorization(id: Pick<TraceIdentity, 'user' | 'password'>): string {
  return `Basic ${Buffer.from(`${id.user}:${id.password}`).toString('base64')}`;
}
