import type { PrometheusClient } from '../probes/prometheus-client';

/** What one instance last reported of a live-config key, at its last scrape. */
export interface AppliedKey {
  /** Whether its last scrape succeeded (`up`). */
  readonly up: boolean;
  /** The data version of the key's znode it applied (`config_key_version`); undefined when it never read a written value. */
  readonly version: number | undefined;
  /** When it applied that version, epoch ms (`config_key_applied_timestamp_seconds`). */
  readonly appliedAtMs: number | undefined;
  /** The numeric value it uses (`config_key_value`). */
  readonly value: number | undefined;
}

/** Per instance id, what it reports of one key of one service. */
export interface AppliedConfigReader {
  read(service: string, key: string): Promise<ReadonlyMap<string, AppliedKey>>;
}

/**
 * Reads the `config_key_*` gauges every instance publishes (ADR 0022: the
 * console queries Prometheus, it never scrapes an instance), so each instance
 * says itself which version it applied and when. Four instant queries a read;
 * as fresh as the last scrape (every 5 s in the local stack).
 */
export class PrometheusAppliedConfig implements AppliedConfigReader {
  constructor(private readonly prometheus: Pick<PrometheusClient, 'query'>) {}

  async read(service: string, key: string): Promise<ReadonlyMap<string, AppliedKey>> {
    const sel = `{service=${JSON.stringify(service)},key=${JSON.stringify(key)}}`;
    const [up, version, applied, value] = await Promise.all([
      this.prometheus.query(`up{service=${JSON.stringify(service)}}`),
      this.prometheus.query(`config_key_version${sel}`),
      this.prometheus.query(`config_key_applied_timestamp_seconds${sel}`),
      this.prometheus.query(`config_key_value${sel}`),
    ]);
    const of = (list: typeof up, instance: string): number | undefined => list.find((s) => s.labels['instance'] === instance)?.value;
    const out = new Map<string, AppliedKey>();
    for (const s of up) {
      const instance = s.labels['instance'];
      if (instance === undefined) continue;
      const at = of(applied, instance);
      out.set(instance, {
        up: s.value === 1,
        version: of(version, instance),
        appliedAtMs: at === undefined ? undefined : Math.round(at * 1000),
        value: of(value, instance),
      });
    }
    return out;
  }
}
