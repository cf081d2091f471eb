import type { Probe } from './probe';
import { PrometheusClient, type PromSample } from './prometheus-client';

export interface PrometheusView {
  /** Requests/s, 5xx ratio and p99 (s) per service, from the recording rules. */
  readonly services: readonly {
    readonly service: string;
    readonly rps: number;
    readonly errorRatio: number;
    readonly p99: number | null;
  }[];
  /** Reads/s per data source and serving node (`db_reads_total`): which server served recent reads. */
  readonly reads: readonly { readonly source: string; readonly node: string; readonly rps: number }[];
  /** Scrape targets: each instance's `up`. */
  readonly targets: readonly { readonly service: string; readonly instance: string; readonly up: boolean }[];
  readonly alerts: readonly { readonly name: string; readonly state: string; readonly summary: string }[];
  /** Where the traces are (Zipkin's UI behind the trace guard; the operator's credentials). */
  readonly zipkinUrl: string;
}

/**
 * The traffic panel: Prometheus's recording rules and alerts, read through its
 * query API as `dsp-console` (metrics right `query`: the console cannot read an
 * instance's `/metrics`, ADR 0022). Each read is 6 HTTP requests to Prometheus.
 */
export class PrometheusProbe implements Probe<PrometheusView> {
  readonly name = 'traffic';
  readonly cost: string;
  private readonly prometheus: PrometheusClient;

  constructor(
    baseUrl: string,
    authorization: string,
    private readonly zipkinUrl: string,
    readonly intervalMs = 2000,
  ) {
    this.prometheus = new PrometheusClient(baseUrl, authorization);
    this.cost = `every ${intervalMs} ms: 5 instant queries and the alert list on Prometheus (no server of the platform is touched)`;
  }

  async collect(): Promise<PrometheusView> {
    const [rps, errors, p99, reads, up, alerts] = await Promise.all([
      this.prometheus.query('service:http_requests:rate1m'),
      this.prometheus.query('service:http_5xx:ratio_rate1m'),
      this.prometheus.query('service:http_request_duration_seconds:p99_1m'),
      this.prometheus.query('sum by (source, node) (rate(db_reads_total[1m]))'),
      this.prometheus.query('up'),
      this.prometheus.get<{ alerts: { labels: Record<string, string>; state: string; annotations: Record<string, string> }[] }>(
        '/api/v1/alerts',
      ),
    ]);
    const of = (list: PromSample[], service: string): number | undefined => list.find((s) => s.labels['service'] === service)?.value;
    const num = (v: number | undefined): number => (v === undefined || Number.isNaN(v) ? 0 : v);
    return {
      services: rps
        .map((s) => s.labels['service'] ?? '')
        .sort()
        .map((service) => {
          const q = of(p99, service);
          return {
            service,
            rps: num(of(rps, service)),
            errorRatio: num(of(errors, service)),
            p99: q === undefined || Number.isNaN(q) ? null : q,
          };
        }),
      reads: reads
        .map((s) => ({ source: s.labels['source'] ?? '', node: s.labels['node'] ?? '', rps: num(s.value) }))
        .sort((a, b) => `${a.source}${a.node}`.localeCompare(`${b.source}${b.node}`)),
      targets: up
        .map((s) => ({ service: s.labels['service'] ?? s.labels['job'] ?? '', instance: s.labels['instance'] ?? '', up: s.value === 1 }))
        .sort((a, b) => `${a.service}${a.instance}`.localeCompare(`${b.service}${b.instance}`)),
      alerts: alerts.alerts.map((a) => ({ name: a.labels['alertname'] ?? '', state: a.state, summary: a.annotations['summary'] ?? '' })),
      zipkinUrl: this.zipkinUrl,
    };
  }

  async close(): Promise<void> {
    // fetch keeps no connection of ours open.
  }
}
