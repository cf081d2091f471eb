/**
 * The flash-sale strategies measured where they differ: `claim` (lock + stock
 * write, or the Redis reservation + Kafka publish), called in-process by many
 * concurrent buyers split over two "instances" (two ZooKeeper sessions, two
 * Redis connections), against the real ensemble, Redis, Kafka and MariaDB.
 * The order write that follows a claim is the same for every strategy and is
 * left out here; `npm run load -- flash-sale:<strategy>` measures the whole
 * HTTP purchase.
 *
 * Bench rows use user ids from 9e15 up and are deleted after each run.
 */
import { Kafka, logLevel } from 'kafkajs';
import {
  DB_USERS,
  DEFAULT_ZK_CONNECT,
  type FlashSaleStrategyName,
  KAFKA_BROKER_PORTS,
  KAFKA_IDENTITIES,
  MYSQL_CLUSTERS,
  REDIS_IDENTITIES,
  REDIS_PORT,
} from '@dsp/contracts';
import { createShardingAlgorithm, migrate, ShardingRule, ShardRouter, SnowflakeIdGenerator } from '@dsp/database';
import { orderPrimaries } from '@dsp/ops';
import { EventProducer, KafkaConnection, saslOf } from '@dsp/messaging';
import {
  DbAtomicStrategy,
  FlashSaleLedger,
  ORDER_DATABASES,
  ORDER_MIGRATIONS,
  RedisLockStrategy,
  RedisReserveStrategy,
  SoldOutError,
  StockReservations,
  TABLES_PER_DATABASE,
  ZkLockStrategy,
  type PurchaseStrategy,
} from '@dsp/orders';
import { createJsonLogger } from '@dsp/service-defaults';
import { RedisConnection, RedisLockWakeups } from '@dsp/redis';
import { ZookeeperClient } from '@dsp/zookeeper';
import { summarize } from './latency';
import { BENCH_ZK_AUTH } from './zk-lock';

export interface StrategyBenchResult {
  strategy: FlashSaleStrategyName;
  claims: number;
  claimsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Units the database counts as sold after the run (redis-reserve: reservations, applied later by the consumer). */
  sold: number;
  stock: number;
}

const BENCH_TOPIC = 'bench.flash-sale.reserved';
const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

/** Runs each strategy in turn: `buyers` claims (one per buyer) on a sale of `buyers` units, `concurrency` in flight. */
export async function benchStrategies(opts: {
  buyers: number;
  concurrency: number;
  strategies: readonly FlashSaleStrategyName[];
}): Promise<StrategyBenchResult[]> {
  // On a fresh stack no order-service has booted yet to create the tables: apply the same
  // migrations it applies (a no-op when they ran before).
  for (const c of MYSQL_CLUSTERS)
    for (const database of c.databases.filter((d) => d.startsWith('order_db')))
      await migrate(
        {
          label: `${database}:primary`,
          host: '127.0.0.1',
          port: c.primaryPort,
          user: DB_USERS.migrator.name,
          password: DB_USERS.migrator.password,
          database,
        },
        ORDER_MIGRATIONS,
        logger,
      );
  const sources = orderPrimaries(logger, 20);

  await Promise.all(sources.all().map((s) => s.start()));
  const router = new ShardRouter(new ShardingRule(ORDER_DATABASES, TABLES_PER_DATABASE, createShardingAlgorithm('mod', {})), (n) =>
    sources.get(n),
  );
  // Worker id 1023: the top of the range, which the services' allocator hands out last.
  const ids = new SnowflakeIdGenerator(1023);
  const ledger = new FlashSaleLedger(router, () => ids);
  const zks = [0, 1].map(
    () => new ZookeeperClient({ connectString: DEFAULT_ZK_CONNECT, sessionTimeoutMs: 6000, auth: BENCH_ZK_AUTH }, logger),
  );
  for (const z of zks) z.start();
  await Promise.all(zks.map((z) => z.waitConnected(10_000)));
  const asOperator = {
    url: `redis://127.0.0.1:${REDIS_PORT}`,
    username: REDIS_IDENTITIES.operator.user,
    password: REDIS_IDENTITIES.operator.password,
  };
  const redises = [0, 1].map((i) => new RedisConnection({ ...asOperator, connectionName: `bench-${i}` }, logger));
  await Promise.all(redises.map((r) => r.start()));
  const wakeups = redises.map((_, i) => new RedisLockWakeups({ ...asOperator, connectionName: `bench-${i}` }, logger));
  const brokers = KAFKA_BROKER_PORTS.map((p) => `127.0.0.1:${p}`);
  const kafkaOperator = { username: KAFKA_IDENTITIES.operator.user, password: KAFKA_IDENTITIES.operator.password };
  const admin = new Kafka({ clientId: 'bench-admin', brokers, ...saslOf(kafkaOperator), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(BENCH_TOPIC))
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: BENCH_TOPIC, numPartitions: 6, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      ],
    });
  await admin.disconnect();
  const kafkas = [0, 1].map((i) => new KafkaConnection({ brokers, clientId: `bench-${i}`, ...kafkaOperator }, logger));
  await Promise.all(kafkas.map((k) => k.start()));
  const producers = kafkas.map((k) => new EventProducer(k, logger));
  await Promise.all(producers.map((p) => p.start()));

  // Two instances' worth of each strategy.
  const make = (name: FlashSaleStrategyName, i: 0 | 1): PurchaseStrategy => {
    switch (name) {
      case 'zk-lock':
        return new ZkLockStrategy(zks[i] as ZookeeperClient, ledger, logger, { acquireTimeoutMs: 120_000 });
      case 'redis-lock':
        return new RedisLockStrategy(redises[i] as RedisConnection, ledger, logger, {
          acquireTimeoutMs: 120_000,
          wakeups: wakeups[i] as RedisLockWakeups,
        });
      case 'db-atomic':
        return new DbAtomicStrategy(ledger);
      case 'redis-reserve':
        return new RedisReserveStrategy(
          new StockReservations(redises[i] as RedisConnection),
          ledger,
          producers[i] as EventProducer,
          BENCH_TOPIC,
        );
    }
  };

  const results: StrategyBenchResult[] = [];
  try {
    for (const name of opts.strategies) {
      const sale = await ledger.create('SKU-MUG', opts.buyers, name);
      const ref = { id: sale.id, sku: sale.sku, strategy: name, stockTotal: sale.stockTotal };
      const pair = [make(name, 0), make(name, 1)];
      if (name === 'redis-reserve') await new StockReservations(redises[0] as RedisConnection).seed(sale.id, opts.buyers, []);
      let next = 0;
      const latencies: number[] = [];
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: opts.concurrency }, async (_, w) => {
          const strategy = pair[w % 2] as PurchaseStrategy;
          for (let i = next++; i < opts.buyers; i = next++) {
            const s = performance.now();
            try {
              await strategy.claim(ref, String(9_000_000_000_000_000n + BigInt(i)));
            } catch (e) {
              if (!(e instanceof SoldOutError)) throw e;
            }
            latencies.push(performance.now() - s);
          }
        }),
      );
      const timing = summarize(latencies, (performance.now() - t0) / 1000);
      const after = await ledger.find(sale.id);
      const reserved =
        name === 'redis-reserve'
          ? opts.buyers - ((await new StockReservations(redises[0] as RedisConnection).state(sale.id))?.stock ?? 0)
          : undefined;
      results.push({
        strategy: name,
        claims: timing.ops,
        claimsPerSec: timing.opsPerSec,
        p50Ms: timing.p50Ms,
        p99Ms: timing.p99Ms,
        sold: reserved ?? after?.sold ?? 0,
        stock: opts.buyers,
      });
      await ledger.homeOf(sale.id).write(async (em) => {
        await em.query('DELETE FROM flash_sale_purchases WHERE sale_id = ?', [sale.id]);
        await em.query('DELETE FROM flash_sales WHERE id = ?', [sale.id]);
      });
      const k = new StockReservations(redises[0] as RedisConnection).keys(sale.id);
      await (redises[0] as RedisConnection).client.del(k.stock, k.buyers, k.last);
    }
  } finally {
    await Promise.all(producers.map((p) => p.close()));
    await Promise.all(kafkas.map((k) => k.close()));
    await Promise.all(wakeups.map((w) => w.close()));
    await Promise.all(redises.map((r) => r.close()));
    await Promise.all(zks.map((z) => z.close()));
    await Promise.all(sources.all().map((s) => s.close()));
  }
  return results;
}

if (require.main === module) {
  const buyers = Number(process.env['BENCH_FLASH_BUYERS'] ?? 2000);
  const concurrency = Number(process.env['BENCH_FLASH_CONCURRENCY'] ?? 32);
  benchStrategies({ buyers, concurrency, strategies: ['zk-lock', 'redis-lock', 'db-atomic', 'redis-reserve'] })
    .then((rs) => {
      for (const r of rs)
        process.stdout.write(
          `${r.strategy.padEnd(14)} ${r.claimsPerSec.toFixed(0).padStart(6)} claims/s  p50 ${r.p50Ms.toFixed(1)} p99 ${r.p99Ms.toFixed(1)} ms  sold ${r.sold}/${r.stock}\n`,
        );
    })
    .catch((e: unknown) => {
      process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
      process.exit(1);
    });
}
