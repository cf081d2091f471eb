import type { z } from 'zod';
import type { MetricsRegistry } from '@dsp/service-defaults';
import type { ConnectionState } from './connection-state';
import type { ConfigCenter } from './recipes/config-center.recipe';
import type { ZookeeperClient } from './zookeeper-client';

const STATES: readonly ConnectionState[] = ['LATENT', 'CONNECTING', 'CONNECTED', 'SUSPENDED', 'LOST', 'RECONNECTED', 'CLOSED'];

/**
 * Publishes the client's connection state as `zookeeper_session_state{state}` (1 for the state
 * it is in at scrape time, 0 for every other, so `zookeeper_session_state{state="LOST"} == 1`
 * is an alert) and counts sessions lost in `zookeeper_sessions_lost_total`.
 * Returns the listener's unsubscribe.
 */
export function publishZookeeperMetrics(client: ZookeeperClient, metrics: MetricsRegistry): () => void {
  metrics.collected('zookeeper_session_state', 'ZooKeeper connection state of this instance (1 = current).', ['state'], (g) => {
    for (const s of STATES) g.set({ state: s }, client.state === s ? 1 : 0);
  });
  const lost = metrics.counter(
    'zookeeper_sessions_lost_total',
    'ZooKeeper sessions this instance lost (expired or suspended too long).',
    [],
  );
  return client.onStateChange((c) => {
    if (c.to === 'LOST') lost.inc();
  });
}

/**
 * Publishes what this instance's configuration center has applied, per key
 * written in ZooKeeper: `config_key_version{key}` (the data version of the
 * key's znode it read), `config_key_applied_timestamp_seconds{key}` (when) and,
 * for a numeric value, `config_key_value{key}`. Together they show every
 * instance taking a change, and how long after the write each took it.
 */
export function publishConfigMetrics(center: Pick<ConfigCenter<z.ZodObject>, 'applied' | 'view'>, metrics: MetricsRegistry): void {
  metrics.collected('config_key_version', 'Data version of each live-config key this instance has applied.', ['key'], (g) => {
    for (const [key, a] of center.applied()) g.set({ key }, a.version);
  });
  metrics.collected(
    'config_key_applied_timestamp_seconds',
    'When this instance applied the version in config_key_version (Unix seconds).',
    ['key'],
    (g) => {
      for (const [key, a] of center.applied()) g.set({ key }, a.appliedAtMs / 1000);
    },
  );
  metrics.collected(
    'config_key_value',
    'The value this instance uses for each numeric live-config key written in ZooKeeper.',
    ['key'],
    (g) => {
      const view = center.view as Record<string, unknown>;
      for (const key of center.applied().keys()) if (typeof view[key] === 'number') g.set({ key }, view[key]);
    },
  );
}
