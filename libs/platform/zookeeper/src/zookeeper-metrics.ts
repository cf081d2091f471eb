import type { MetricsRegistry } from '@dsp/service-defaults';
import type { ConnectionState } from './connection-state';
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
