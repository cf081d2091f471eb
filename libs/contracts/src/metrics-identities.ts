import { withLocalPassword } from './local-secrets';

/** Prometheus, on the loopback stack (docs/telemetry.md "Prometheus"). `STACK_PROMETHEUS_PORT` overrides it. */
export const PROMETHEUS_PORT = 9090;
/** The registry's targets for Prometheus (`http_sd_configs`), served by the stack's `registry-sd`. `STACK_REGISTRY_SD_PORT` overrides it. */
export const REGISTRY_SD_PORT = 9099;
/** The route every service serves its metrics on (Prometheus text). */
export const METRICS_ROUTE = '/metrics';
/** The route of `registry-sd` that lists every registered instance as Prometheus HTTP service-discovery targets. */
export const REGISTRY_SD_ROUTE = '/targets';

/**
 * What an identity may do with metrics:
 * - `scrape`: GET a service's `/metrics` and the registry's targets (Prometheus, and nothing of Prometheus itself);
 * - `read`: the same, and Prometheus's UI and query API (people, tests, benches);
 * - `query`: Prometheus's API (the console uses its query API; Prometheus's web config cannot narrow a
 *   user to some paths), never an instance's `/metrics`.
 */
export type MetricsRight = 'scrape' | 'read' | 'query';

/** One identity of the metrics plane, with its HTTP basic credentials. */
export interface MetricsIdentity {
  readonly user: string;
  readonly password: string;
  readonly may: MetricsRight;
}

/**
 * Who may read metrics (ADR 0022). A service's `/metrics` names its routes,
 * its dependencies and their state, so it is no longer open: a scrape needs
 * the HTTP basic credentials of one of these identities.
 *
 * - `scraper` is Prometheus: it reads every instance's `/metrics` and the
 *   registry's target list, and cannot use Prometheus's own UI or API;
 * - `operator` is a person (the stack manager, tests, benches): it reads
 *   Prometheus, and, on the local profile only, an instance's `/metrics` directly.
 *
 * The passwords are the loopback stack's (`localSecret('metrics/<user>')`);
 * services read `METRICS_PASSWORD` (the scraper's), which
 * `PLATFORM_PROFILE=production` requires. No service holds an identity here:
 * none reads another's metrics.
 */
export const METRICS_IDENTITIES: Record<'scraper' | 'operator' | 'console', MetricsIdentity> = {
  scraper: withLocalPassword('metrics', { user: 'prometheus', may: 'scrape' }),
  operator: withLocalPassword('metrics', { user: 'dsp-operator', may: 'read' }),
  console: withLocalPassword('metrics', { user: 'dsp-console', may: 'query' }),
};

/** The `Authorization` header value of an identity (HTTP basic). */
export function metricsAuthorization(id: Pick<MetricsIdentity, 'user' | 'password'>): string {
  return `Basic ${Buffer.from(`${id.user}:${id.password}`).toString('base64')}`;
}
