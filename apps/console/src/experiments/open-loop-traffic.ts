/** One request the traffic sent: when it started (ms since the traffic began), what came back, from which instance. */
export interface TrafficCall {
  readonly startedMs: number;
  /** The HTTP status, or 0 when no answer came (connection refused, the client's own timeout). */
  readonly status: number;
  /** The gateway's `x-upstream-instance`: the instance that answered. */
  readonly instance: string | undefined;
  readonly latencyMs: number;
}

/**
 * Open-loop traffic through the gateway: one request every `1000 / ratePerSecond`
 * ms whatever the earlier ones are doing, the way users keep arriving while a
 * server hangs (a closed loop of N clients would stall on the hung server and
 * send nothing, hiding when traffic moved). Guarantees: it never has more than
 * `maxInFlight` requests open (a request due beyond that is counted as
 * `skipped`, not queued); each request gives up after `timeoutMs`; `stop`
 * sends nothing more and resolves once every sent request has ended, and is
 * safe to call twice.
 */
export class OpenLoopTraffic {
  readonly calls: TrafficCall[] = [];
  skipped = 0;
  private readonly began = Date.now();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private stopping?: Promise<void>;

  constructor(
    private readonly url: string,
    ratePerSecond: number,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 15_000,
    private readonly maxInFlight = 400,
  ) {
    this.timer = setInterval(() => this.send(), Math.max(1, Math.round(1000 / ratePerSecond)));
  }

  /** Milliseconds since the traffic began, on the clock of {@link TrafficCall.startedMs}. */
  now(): number {
    return Date.now() - this.began;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      await Promise.all([...this.inFlight]);
    })();
    return this.stopping;
  }

  private send(): void {
    if (this.inFlight.size >= this.maxInFlight) {
      this.skipped++;
      return;
    }
    const startedMs = this.now();
    const call = fetch(this.url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) }).then(
      async (res) => {
        await res.arrayBuffer();
        this.calls.push({
          startedMs,
          status: res.status,
          instance: res.headers.get('x-upstream-instance') ?? undefined,
          latencyMs: this.now() - startedMs,
        });
      },
      () => {
        this.calls.push({ startedMs, status: 0, instance: undefined, latencyMs: this.now() - startedMs });
      },
    );
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }
}
