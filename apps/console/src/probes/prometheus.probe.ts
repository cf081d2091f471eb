import type { Probe } from './probe';

/** One series of an instant query: its labels and value. */
export interface PromSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

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

  constructor(
    private readonly baseUrl: string,
    private readonly authorization: string,
    private readonly zipkinUrl: string,
    readonly intervalMs = 2000,
  ) {
    this.cost = `every ${intervalMs} ms: 5 instant queries and the alert list on Prometheus (no server of the platform is touched)`;
  }

  async collect(): Promise<PrometheusView> {
    const [rps, errors, p99, reads, up, alerts] = await Promise.all([
      this.query('service:http_requests:rate1m'),
      this.query('service:http_5xx:ratio_rate1m'),
      this.query('service:http_request_duration_seconds:p99_1m'),
      this.query('sum by (source, node) (rate(db_reads_total[1m]))'),
      this.query('up'),
      this.get<{ alerts: { labels: Record<string, string>; state: string; annotations: Record<string, string> }[] }>('/api/v1/alerts'),
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

  private async query(expr: string): Promise<PromSample[]> {
    const data = await this.get<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      headers: { authorization: this.authorization },
      signal: AbortSignal.timeout(3000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`Prometheus answered ${res.status} to ${path.split('?')[0]}: ${text.slice(0, 200)}`);
    return (JSON.parse(text) as { data: T }).data;
  }
}
