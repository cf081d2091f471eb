import type { MetricsRegistry } from '@dsp/service-defaults';
import type { RedisConnection } from './redis-connection';

/** A scrape waits at most this long for Redis to answer its PING. */
const PING_TIMEOUT_MS = 1000;

/**
 * Publishes, measured at scrape time: `redis_up` (1 when the connection is ready and a PING
 * answered within 1 s) and `redis_ping_seconds` (that PING's round trip through the same
 * connection the service's commands use, so a busy event loop or a slow Redis both show).
 * A connection that is not ready is not pinged (its commands would queue), only reported down.
 */
export function publishRedisMetrics(connection: RedisConnection, metrics: MetricsRegistry): void {
  let last: { up: boolean; seconds?: number } = { up: false };
  const measure = async (): Promise<void> => {
    let client;
    try {
      client = connection.client;
    } catch {
      last = { up: false };
      return;
    }
    if (client.status !== 'ready') {
      last = { up: false };
      return;
    }
    const t0 = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      client.ping().then(
        (p) => p === 'PONG',
        () => false,
      ),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    last = answered ? { up: true, seconds: Number(process.hrtime.bigint() - t0) / 1e9 } : { up: false };
  };
  // One PING per scrape: both gauges are collected concurrently and share the measurement.
  let measuring: Promise<void> | undefined;
  const shared = (): Promise<void> => (measuring ??= measure().finally(() => (measuring = undefined)));
  metrics.collected('redis_up', 'Whether Redis answered a PING within 1 s at scrape time (1) or not (0).', [], async (g) => {
    await shared();
    g.set(last.up ? 1 : 0);
  });
  metrics.collected('redis_ping_seconds', 'Round trip of a PING sent at scrape time on the service connection.', [], async (g) => {
    await shared();
    if (last.seconds !== undefined) g.set(last.seconds);
    else g.reset();
  });
}
