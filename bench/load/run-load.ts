import autocannon from 'autocannon';

/** One HTTP request of a scenario: `next()` gives the method, path, headers and body of the next request. */
export interface RequestPlan {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  next(): { path: string; headers?: Record<string, string>; body?: string };
}

export interface LoadOptions {
  /** Concurrent connections. @default 32 */
  connections: number;
  /** Seconds to run (ignored when `amount` is set). @default 10 */
  durationSeconds: number;
  /** Total requests per second across connections; 0 = as fast as the server answers. @default 0 */
  rate: number;
  /** Stop after this many requests instead of after `durationSeconds`. */
  amount?: number;
}

export const DEFAULT_LOAD_OPTIONS: LoadOptions = { connections: 32, durationSeconds: 10, rate: 0 };

/** What one scenario run measured. Latencies are in ms, from autocannon's per-response timings. */
export interface LoadResult {
  scenario: string;
  at: string;
  options: LoadOptions;
  durationSeconds: number;
  /** Answers received (any status). */
  requests: number;
  /** Requests sent. */
  sent: number;
  /**
   * Sent but neither answered nor failed when the run stopped: autocannon closes
   * its connections at the end, so these answers are never counted, though the
   * server may still have done the work (a flash sale's `sold` can exceed its 2xx count by this much).
   */
  inFlightAtEnd: number;
  requestsPerSec: number;
  /** 2xx answers per second. */
  successesPerSec: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** The same, per status code: what the admitted (2xx) waited apart from what the refused (503) did. */
  latencyByStatusMs: Record<string, { p50: number; p99: number; max: number }>;
  statusCodes: Record<string, number>;
  /** Non-HTTP failures (connection errors, timeouts). */
  errors: number;
  /** Scenario-specific facts (for the flash sale: stock, sold). */
  extra: Record<string, unknown>;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1))] as number;
}

/** Once a second while a run goes on. */
export interface LoadProgress {
  elapsedSeconds: number;
  /** Answers so far, and how many of them were 2xx. */
  answers: number;
  ok: number;
  errors: number;
}

/**
 * Runs one scenario with autocannon against `baseUrl`. autocannon reports
 * p97.5 but not p95, so latencies are taken from its `response` events and the
 * percentiles computed here.
 */
export function runLoad(
  scenario: string,
  baseUrl: string,
  plan: RequestPlan,
  options: LoadOptions,
  onProgress?: (p: LoadProgress) => void,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const byStatus: Record<string, number[]> = {};
  const statusCodes: Record<string, number> = {};
  const started = Date.now();
  let ok = 0;
  let failed = 0;
  let sent = 0;
  let lastAnswerAt = started;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.durationSeconds }),
        ...(options.rate > 0 ? { overallRate: options.rate } : {}),
        timeout: 30,
        requests: [
          {
            method: plan.method,
            setupRequest: (req) => {
              // autocannon builds each request here, once, just before it sends it.
              sent++;
              const n = plan.next();
              return { ...req, path: n.path, headers: { ...req.headers, ...n.headers }, ...(n.body !== undefined ? { body: n.body } : {}) };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        // A run of `amount` requests ends at its last answer: autocannon only notices it is done on its
        // once-a-second tick, which would round every run up to whole seconds (7% at 14 s).
        const seconds = Math.max(1, (options.amount ? lastAnswerAt : Date.now()) - started) / 1000;
        // autocannon's `errors` already counts timeouts; its `requests.sent` is inflated by `overallRate`.
        const errors = result.errors;
        resolve({
          scenario,
          at: new Date(started).toISOString(),
          options,
          durationSeconds: seconds,
          requests: latencies.length,
          sent,
          inFlightAtEnd: Math.min(options.connections, Math.max(0, sent - latencies.length - errors)),
          requestsPerSec: latencies.length / seconds,
          successesPerSec: ok / seconds,
          latencyMs: {
            p50: pct(latencies, 0.5),
            p95: pct(latencies, 0.95),
            p99: pct(latencies, 0.99),
            max: latencies[latencies.length - 1] ?? 0,
          },
          latencyByStatusMs: Object.fromEntries(
            Object.entries(byStatus).map(([code, l]) => {
              l.sort((a, b) => a - b);
              return [code, { p50: pct(l, 0.5), p99: pct(l, 0.99), max: l[l.length - 1] ?? 0 }];
            }),
          ),
          statusCodes,
          errors,
          extra: {},
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      lastAnswerAt = Date.now();
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      (byStatus[statusCode] ??= []).push(responseTime);
      if (statusCode >= 200 && statusCode < 300) ok++;
    });
    instance.on('reqError', () => failed++);
    if (onProgress)
      instance.on('tick', () =>
        onProgress({ elapsedSeconds: (Date.now() - started) / 1000, answers: latencies.length, ok, errors: failed }),
      );
  });
}
