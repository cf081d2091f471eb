import { METRICS_IDENTITIES, metricsAuthorization, PROMETHEUS_PORT } from '@dsp/contracts';

/** The stack's Prometheus (`STACK_PROMETHEUS_PORT`, default 9090). */
export const PROMETHEUS_URL = `http://127.0.0.1:${process.env['STACK_PROMETHEUS_PORT'] ?? PROMETHEUS_PORT}`;

/** One active target as Prometheus's `/api/v1/targets` reports it. */
export interface PromTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

async function promGet<T>(path: string): Promise<T> {
  const res = await fetch(`${PROMETHEUS_URL}${path}`, { headers: { authorization: metricsAuthorization(METRICS_IDENTITIES.operator) } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path} on Prometheus: ${res.status} ${text}`);
  return (JSON.parse(text) as { data: T }).data;
}

/** Prometheus's active targets, read as the operator. */
export async function promTargets(): Promise<PromTarget[]> {
  return (await promGet<{ activeTargets: PromTarget[] }>('/api/v1/targets?state=active')).activeTargets;
}

/** An instant query, read as the operator: each series' labels and value. */
export async function promQuery(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const data = await promGet<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
    `/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}
