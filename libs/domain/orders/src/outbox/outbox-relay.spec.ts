import type { ShardRouter } from '@dsp/database';
import { MetricsRegistry, type JsonLogger } from '@dsp/service-defaults';
import { OutboxRelay, type OutboxPublisher } from './outbox-relay';

const logger = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined } as unknown as JsonLogger;
const publisher: OutboxPublisher = { send: () => Promise.resolve() } as unknown as OutboxPublisher;

/** Two shard tables whose primaries answer the backlog count with `rows[i]`; records what was asked. */
function routerAnswering(rows: { n: string; oldest: Date | null }[]): { router: ShardRouter; asked: { sql: string; primary: unknown }[] } {
  const asked: { sql: string; primary: unknown }[] = [];
  const shards = rows.map((row, i) => ({
    table: (t: string) => `${t}_${i}`,
    source: {
      name: `order_db_${i}`,
      read: (fn: (em: { query: (sql: string) => Promise<unknown[]> }) => Promise<unknown>, opts?: { primary?: boolean }) =>
        fn({
          query: (sql: string) => {
            asked.push({ sql, primary: opts?.primary });
            return Promise.resolve([row]);
          },
        }),
    },
  }));
  return { router: { all: () => shards } as unknown as ShardRouter, asked };
}

describe('OutboxRelay backlog metrics', () => {
  it('should count each shard table’s unpublished rows on its primary, and the age of the oldest, at scrape time', async () => {
    const metrics = new MetricsRegistry('order-service', 'o-1');
    const { router, asked } = routerAnswering([
      { n: '3', oldest: new Date(Date.now() - 5_000) },
      { n: '0', oldest: null },
    ]);
    new OutboxRelay(router, publisher, logger, {}, metrics); // not started: the backlog is reported anyway
    const text = await metrics.render();
    expect(text).toMatch(/^outbox_backlog\{shard="order_db_0\.outbox_0",.*\} 3$/m);
    expect(text).toMatch(/^outbox_backlog\{shard="order_db_1\.outbox_1",.*\} 0$/m);
    const age = Number(/^outbox_oldest_unpublished_seconds\{shard="order_db_0\.outbox_0",.*\} (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(5);
    expect(age).toBeLessThan(10);
    expect(text).toMatch(/^outbox_oldest_unpublished_seconds\{shard="order_db_1\.outbox_1",.*\} 0$/m);
    // One scan per scrape (both gauges share it), on the primaries, of unpublished rows only.
    expect(asked).toHaveLength(2);
    expect(asked.every((a) => a.primary === true && /WHERE published_at IS NULL/.test(a.sql))).toBe(true);
  });
});
