/**
 * The order transaction in-process: `OrdersService.place` (idempotency claim, price read, the
 * sharded order + items + outbox rows and the idempotency record in one transaction) on the
 * order databases' primaries with order-service's own account, `concurrency` in flight, no HTTP.
 * The floor for `POST /api/orders` through the gateway (issue 17: >= 0.5x). The products it buys
 * must exist: run it after an order-service has booted (it seeds the catalog).
 */
import { randomUUID } from 'node:crypto';
import { createShardingAlgorithm, ShardingRule, ShardRouter, SnowflakeIdGenerator } from '@dsp/database';
import { orderPrimaries } from '@dsp/ops';
import { ORDER_DATABASES, OrdersService, TABLES_PER_DATABASE } from '@dsp/orders';
import { createJsonLogger } from '@dsp/service-defaults';
import { summarize } from './latency';

export interface OrdersInProcessResult {
  orders: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export async function ordersInProcess(count = 2000, concurrency = 32): Promise<OrdersInProcessResult> {
  const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });
  // SqlNode's default pool, as order-service runs it: the floor has no more connections than the service.
  const sources = orderPrimaries(logger, 10);
  await Promise.all(sources.all().map((s) => s.start()));
  try {
    const router = new ShardRouter(new ShardingRule(ORDER_DATABASES, TABLES_PER_DATABASE, createShardingAlgorithm('mod', {})), (n) =>
      sources.get(n),
    );
    const ids = new SnowflakeIdGenerator(1022); // below the flash-sale bench's 1023, above what the services' allocator hands out first
    const orders = new OrdersService(router, () => ids);
    const lines = [{ sku: 'SKU-MUG', quantity: 1 }];
    let next = 0;
    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < count; i = next++) {
          const s = performance.now();
          // Buyers 8e18 + i: a user id range no test or seed uses; one order each, as the load kit's rotating buyers.
          await orders.place(String(8_000_000_000_000_000_000n + BigInt(i)), randomUUID(), lines);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const t = summarize(latencies, (performance.now() - t0) / 1000);
    return { orders: t.ops, opsPerSec: t.opsPerSec, p50Ms: t.p50Ms, p99Ms: t.p99Ms };
  } finally {
    await Promise.all(sources.all().map((s) => s.close()));
  }
}
