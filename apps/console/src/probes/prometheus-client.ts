/** One series of an instant query: its labels and value. */
export interface PromSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * Prometheus's HTTP API as one identity reads it (`Authorization` of a metrics
 * identity with the `query` right, ADR 0022). Each call is one request with a
 * 3 s deadline; a non-200 answer throws with Prometheus's own words.
 */
export class PrometheusClient {
  constructor(
    private readonly baseUrl: string,
    private readonly authorization: string,
  ) {}

  /** An instant query: one sample per series. */
  async query(expr: string): Promise<PromSample[]> {
    const data = await this.get<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  /** The `data` of any GET of the API, e.g. `/api/v1/alerts`. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      headers: { authorization: this.authorization },
      signal: AbortSignal.timeout(3000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`Prometheus answered ${res.status} to ${path.split('?')[0]}: ${text.slice(0, 200)}`);
    return (JSON.parse(text) as { data: T }).data;
  }
}
