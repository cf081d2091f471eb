import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry: Node's default metrics, HTTP request
 * counters and latency histograms, labelled with the service and instance.
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;

  constructor(service: string, instanceId: string) {
    this.registry.setDefaultLabels({ service, instance: instanceId });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency, by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  private readonly named = new Map<string, Counter<string> | Gauge<string>>();

  /** A counter registered once by name (a second call with the same name returns the same counter). */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return this.memo(name, 'counter', () => new Counter({ name, help, labelNames, registers: [this.registry] })) as Counter<L>;
  }

  /** A gauge registered once by name. */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return this.memo(name, 'gauge', () => new Gauge({ name, help, labelNames, registers: [this.registry] })) as Gauge<L>;
  }

  private readonly collectors = new Map<string, ((gauge: Gauge<string>) => void | Promise<void>)[]>();

  /**
   * A gauge whose value is read at scrape time: each `collect` given for this name sets its
   * series every time `/metrics` is rendered (so state kept elsewhere, or a cheap probe, is
   * never stale by an interval). Several owners may add collects to one name (two data sources
   * each set their own labels). A collect that throws leaves the series it set before, and the
   * scrape still answers.
   */
  collected<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => void | Promise<void>,
  ): Gauge<L> {
    const gauge = this.memo(name, 'gauge', () => {
      const list: ((gauge: Gauge<string>) => void | Promise<void>)[] = [];
      this.collectors.set(name, list);
      const g: Gauge<string> = new Gauge<string>({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect: async () => {
          // A probe that fails at scrape time must not fail the whole scrape.
          await Promise.all(
            list.map((c) =>
              Promise.resolve()
                .then(() => c(g))
                .catch(() => undefined),
            ),
          );
        },
      });
      return g;
    }) as Gauge<L>;
    this.collectors.get(name)?.push(collect as (gauge: Gauge<string>) => void | Promise<void>);
    return gauge;
  }

  private memo(name: string, kind: 'counter' | 'gauge', make: () => Counter<string> | Gauge<string>): Counter<string> | Gauge<string> {
    const existing = this.named.get(name);
    if (existing) {
      const existingKind = existing instanceof Gauge ? 'gauge' : 'counter';
      if (existingKind !== kind) throw new Error(`metric ${name} is already registered as a ${existingKind}`);
      return existing;
    }
    const m = make();
    this.named.set(name, m);
    return m;
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
