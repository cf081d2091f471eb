/**
 * `npm run bench`: every benchmark of the platform, in one process tree and in
 * turn, on a quiet machine, with one report of ratios (reports/bench/):
 *
 * 1. flash-sale strategies where they differ (lock + stock write, or the Redis
 *    reservation): claims/s, two "instances" each (flash-sale-strategies.ts);
 * 2. the two locks alone, same contention (locks.ts);
 * 3. our ZooKeeper mutex vs Apache Curator's (zk-lock.ts), and our ZooKeeper
 *    client vs ZooKeeper's Java client (zk-client.ts);
 * 4. Redis, Kafka, HTTP and MySQL next to redis-benchmark, ProducerPerformance,
 *    bare fastify and sysbench (references.ts);
 * 5. the whole HTTP purchase per strategy through the gateway (load kit),
 *    against a fleet it starts: gateway, user-service, 2 x order-service.
 *
 * Env: BENCH_FLASH_BUYERS (2000), BENCH_FLASH_CONCURRENCY (32), BENCH_LOCK_OPS (1000),
 * BENCH_E2E_UNITS (1000), BENCH_ZK_CLIENT_OPS (5000),
 * 6. what tracing costs `POST /api/orders`: telemetry off, at its default and at 100%, a fresh fleet each (telemetry-cost.ts);
 * 7. the order path past saturation, with the admission gate and without: latency and 503s at 0.5x-2x (overload.ts);
 * 8. the order path's scale curves: 1, 8, 32, 128 connections, 1 and 2 instances of each service, and what the wall is (scale.ts).
 *
 * BENCH_TRACE_ROUNDS (3), BENCH_OVERLOAD_SECONDS (15), BENCH_SCALE_SECONDS (10), BENCH_CONSUME_RECORDS (300000).
 * BENCH_SKIP (comma list of: strategies,locks,curator,zk-client,redis,kafka,http,mysql,e2e,orders,telemetry,overload,scale; orders needs e2e's fleet).
 */
import { serviceTokenCostPair } from './http-auth-cost';
import { kafkaConsumePair } from './kafka-consume';
import { kafkaScramCostPairs } from './kafka-scram-cost';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { FLASH_SALE_STRATEGIES, localAdminToken, SERVICE_NAMES, znodePaths } from '@dsp/contracts';
import { appInstance, BENCH_PACKAGES, ensureDebianPackages, startApp, stopApp, up, waitAppReady, type AppInstance } from '@dsp/infra-stack';
import { runLoad, scenario, type LoadResult, type ScenarioContext } from '@dsp/load-kit';
import { seedBuyers } from '@dsp/ops';
import { createJsonLogger } from '@dsp/service-defaults';
import { ZookeeperClient } from '@dsp/zookeeper';
import { benchStrategies, type StrategyBenchResult } from './flash-sale-strategies';
import { lockOnly, type LockResult } from './locks';
import { ordersInProcess, type OrdersInProcessResult } from './orders-inprocess';
import { tracingCost, tracingRatio, type TracingCostRow } from './telemetry-cost';
import { cpuByGroup, DEFAULT_SCALE_OPTIONS, scaleChart, scaleCurves, type ScalePoint } from './scale';
import { admittedP99, DEFAULT_OVERLOAD_OPTIONS, gateBoundMs, GATE_MODES, overloadCurves, type OverloadResult } from './overload';
import { httpPair, kafkaPair, mysqlPairs, redisAclCostPair, redisConnectAuthPair, redisPairs, type Pair } from './references';
import { CLIENT_OPS, CLIENT_SCENARIOS, javaClient, oursClient } from './zk-client';
import { buildCurator, CONNECT, curator, OPS, ours, ROOT, type Result } from './zk-lock';

const SKIP = new Set((process.env['BENCH_SKIP'] ?? '').split(',').filter(Boolean));
const BUYERS = Number(process.env['BENCH_FLASH_BUYERS'] ?? 2000);
const CONCURRENCY = Number(process.env['BENCH_FLASH_CONCURRENCY'] ?? 32);
const E2E_UNITS = Number(process.env['BENCH_E2E_UNITS'] ?? 1000);
/** Orders placed in-process and through the gateway (BENCH_ORDERS). */
const ORDERS = Number(process.env['BENCH_ORDERS'] ?? 2000);
/** Rounds of the tracing-cost modes, interleaved; the goal is the median of each round's ratio. */
const TRACE_ROUNDS = Number(process.env['BENCH_TRACE_ROUNDS'] ?? 3);
/** Seconds of each offered rate in the overload curves. */
const OVERLOAD_SECONDS = Number(process.env['BENCH_OVERLOAD_SECONDS'] ?? DEFAULT_OVERLOAD_OPTIONS.seconds);
/** Records both consumers read (the topic is filled up to this once, then kept). */
const CONSUME_RECORDS = Number(process.env['BENCH_CONSUME_RECORDS'] ?? 300_000);
/** Seconds of each point of the scale curves. */
const SCALE_SECONDS = Number(process.env['BENCH_SCALE_SECONDS'] ?? DEFAULT_SCALE_OPTIONS.seconds);

const say = (s: string): boolean => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const x = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;

async function orderServicesRunning(): Promise<string[]> {
  const zk = new ZookeeperClient({ sessionTimeoutMs: 4000 }, createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' }));
  zk.start();
  try {
    await zk.waitConnected(10_000);
    return await zk.getChildren(znodePaths.service(SERVICE_NAMES.order)).catch(() => []);
  } finally {
    await zk.close();
  }
}

async function e2eFlashSales(): Promise<{ results: LoadResult[]; gatewayUrl: string; fleet: AppInstance[]; ctx?: ScenarioContext }> {
  const fleet = [
    appInstance('user-service', 'bench-user-service-1'),
    appInstance('order-service', 'bench-order-service-1'),
    appInstance('order-service', 'bench-order-service-2'),
    appInstance('gateway', 'bench-gateway-1', { PORT: '0' }),
  ];
  await Promise.all(fleet.slice(0, 3).map((i) => startApp(i)));
  await startApp(fleet[3] as AppInstance);
  await Promise.all(fleet.map((i) => waitAppReady(i)));
  const gatewayUrl = String((fleet[3] as AppInstance).url);
  const buyers = await seedBuyers({ gatewayUrl, count: E2E_UNITS });
  const ctx: ScenarioContext = {
    gatewayUrl,
    buyers,
    buyerCount: E2E_UNITS,
    seed: (count) => seedBuyers({ gatewayUrl, count }),
    adminToken: process.env['ADMIN_TOKEN'] ?? localAdminToken(),
    stock: E2E_UNITS,
    progress: say,
  };
  const results: LoadResult[] = [];
  for (const strategy of FLASH_SALE_STRATEGIES) {
    const s = scenario(`flash-sale:${strategy}`);
    say(`e2e ${s.name}: ${E2E_UNITS} buyers for ${E2E_UNITS} units, 32 connections`);
    const { plan, after } = await s.prepare(ctx);
    const r = await runLoad(s.name, gatewayUrl, plan, { connections: 32, durationSeconds: 0, rate: 0, amount: E2E_UNITS });
    r.extra = (await after?.()) ?? {};
    results.push(r);
  }
  return { results, gatewayUrl, fleet, ctx };
}

async function main(): Promise<void> {
  say('stack up (installs what is missing, and the reference tools: sysbench)');
  await up({ install: true, timeoutMs: 180_000 });
  await ensureDebianPackages(BENCH_PACKAGES);
  const running = await orderServicesRunning();
  if (running.length > 0)
    throw new Error(
      `order-service instances are running (${running.join(', ')}): stop \`npm start\` first; a benchmark needs a quiet machine`,
    );

  const report: {
    at: string;
    machine: string;
    strategies?: StrategyBenchResult[];
    locks?: LockResult[];
    curator?: { ours: Result; curator: Result };
    pairs: Pair[];
    e2e?: LoadResult[];
    orders?: { inProcess: OrdersInProcessResult; http: LoadResult };
    tracing?: TracingCostRow[];
    overload?: OverloadResult;
    scale?: ScalePoint[];
    goals: { goal: string; measured: string; met: boolean }[];
  } = { at: new Date().toISOString(), machine: `${cpus().length} cores, node ${process.version}`, pairs: [], goals: [] };

  if (!SKIP.has('strategies')) {
    say(`flash-sale strategies: ${BUYERS} buyers for ${BUYERS} units, ${CONCURRENCY} in flight over two instances`);
    report.strategies = await benchStrategies({ buyers: BUYERS, concurrency: CONCURRENCY, strategies: FLASH_SALE_STRATEGIES });
  }
  if (!SKIP.has('locks')) {
    say('the locks alone: 2,000 acquire+release, 32 contenders (zk, fair redis, the redis race)');
    report.locks = await lockOnly(2000, 32);
  }
  if (!SKIP.has('curator')) {
    say(`zk-lock vs Curator: ${OPS} acquire+release, 16 contenders each`);
    const classpath = buildCurator();
    const run = Date.now().toString(36);
    report.curator = { ours: await ours(`bench-ours-${run}`, 16, OPS), curator: curator(classpath, `/bench/curator-${run}`, 16, OPS) };
  }
  if (!SKIP.has('zk-client')) {
    say(`zookeeper: our client vs ZooKeeper's Java client (${CLIENT_OPS} calls per scenario)`);
    const classpath = buildCurator();
    const run = Date.now().toString(36);
    for (const sc of CLIENT_SCENARIOS) {
      const o = await oursClient(`/bench-client-ours-${run}`, sc.op, CLIENT_OPS, sc.inflight);
      const j = javaClient(classpath, `/bench-client-java-${run}`, sc.op, CLIENT_OPS, sc.inflight);
      report.pairs.push({
        area: 'zookeeper',
        ours: { what: `ZookeeperClient ${sc.name}`, opsPerSec: o.opsPerSec },
        reference: { what: `Java ZooKeeper client ${sc.name}`, opsPerSec: j.opsPerSec },
      });
    }
  }
  if (!SKIP.has('redis')) {
    say('redis: our calls vs redis-benchmark');
    report.pairs.push(...(await redisPairs()));
    say('redis: what the ACL costs (a throwaway Redis without ACL on :16380)');
    report.pairs.push(await redisAclCostPair());
    say('redis: what AUTH costs a new connection (a throwaway Redis without ACL on :16381)');
    report.pairs.push(await redisConnectAuthPair());
  }
  if (!SKIP.has('kafka')) {
    say('kafka: EventProducer vs ProducerPerformance (100,000 records)');
    report.pairs.push(await kafkaPair());
    say(`kafka: EventConsumer (no-op handler) vs ConsumerPerformance (${CONSUME_RECORDS.toLocaleString('en')} records)`);
    report.pairs.push(await kafkaConsumePair(CONSUME_RECORDS));
    say('kafka: what SCRAM and the ACL check cost (a throwaway broker on :19092 PLAINTEXT and :19093 SCRAM)');
    report.pairs.push(...(await kafkaScramCostPairs()));
  }
  if (!SKIP.has('mysql')) {
    say('mysql: SqlNode point selects vs a raw mysql2 pool and sysbench oltp_point_select');
    report.pairs.push(...(await mysqlPairs()));
  }
  if (!SKIP.has('http') || !SKIP.has('e2e')) {
    say('starting a fleet: gateway, user-service, 2 x order-service');
    const { results, gatewayUrl, fleet, ctx } = SKIP.has('e2e')
      ? await (async () => {
          const gw = appInstance('gateway', 'bench-gateway-1', { PORT: '0' });
          await startApp(gw);
          await waitAppReady(gw);
          return { results: [] as LoadResult[], gatewayUrl: String(gw.url), fleet: [gw], ctx: undefined };
        })()
      : await e2eFlashSales();
    try {
      if (results.length) report.e2e = results;
      if (ctx && !SKIP.has('orders')) {
        say(`orders: OrdersService.place in-process, ${ORDERS} orders, 32 in flight (the floor)`);
        const inProcess = await ordersInProcess(ORDERS, 32);
        say(`orders: POST /api/orders through the gateway, ${ORDERS} orders, 32 connections`);
        const s = scenario('place-order');
        const { plan } = await s.prepare(ctx);
        const http = await runLoad(s.name, gatewayUrl, plan, { connections: 32, durationSeconds: 0, rate: 0, amount: ORDERS });
        report.orders = { inProcess, http };
      }
      if (!SKIP.has('http')) {
        say('http: gateway /health/live vs bare fastify');
        report.pairs.push(await httpPair(gatewayUrl));
        say('http: what the service-token check costs (a route with and without installServiceAuth)');
        report.pairs.push(await serviceTokenCostPair());
      }
    } finally {
      await Promise.all(fleet.map((i) => stopApp(i)));
    }
  }

  if (!SKIP.has('telemetry')) {
    say(
      `tracing: POST /api/orders with telemetry off, at its default (10%), at 100% and at its default with the console polling, ${ORDERS} orders each, a fresh fleet each, ${TRACE_ROUNDS} rounds interleaved`,
    );
    report.tracing = await tracingCost(ORDERS, say, TRACE_ROUNDS);
  }
  if (!SKIP.has('overload')) {
    say(
      `overload: POST /api/orders offered at 0.5x-2x its saturation rate, ${OVERLOAD_SECONDS} s each, with the admission gate and without`,
    );
    report.overload = await overloadCurves(say, { ...DEFAULT_OVERLOAD_OPTIONS, seconds: OVERLOAD_SECONDS });
  }
  if (!SKIP.has('scale')) {
    say(`scale: POST /api/orders on 1, 8, 32 and 128 connections, 1 and 2 instances of each service, ${SCALE_SECONDS} s each`);
    report.scale = await scaleCurves(say, { ...DEFAULT_SCALE_OPTIONS, seconds: SCALE_SECONDS });
  }

  const by = <T extends { strategy: string }>(rows: T[] | undefined, s: string): T | undefined => rows?.find((r) => r.strategy === s);
  const st = report.strategies;
  if (st) {
    const zk = by(st, 'zk-lock')?.claimsPerSec ?? 0;
    const rl = by(st, 'redis-lock')?.claimsPerSec ?? 0;
    const da = by(st, 'db-atomic')?.claimsPerSec ?? 0;
    const rr = by(st, 'redis-reserve')?.claimsPerSec ?? 0;
    report.goals.push({ goal: 'redis-lock purchases/s >= 5x zk-lock (strategy level)', measured: x(rl, zk), met: rl >= 5 * zk });
    report.goals.push({
      goal: 'db-atomic ahead of both locks',
      measured: `${da.toFixed(0)} vs ${rl.toFixed(0)}, ${zk.toFixed(0)} claims/s`,
      met: da > rl && da > zk,
    });
    report.goals.push({
      goal: 'redis-reserve ahead of both locks',
      measured: `${rr.toFixed(0)} vs ${rl.toFixed(0)}, ${zk.toFixed(0)} claims/s`,
      met: rr > rl && rr > zk,
    });
  }
  if (report.locks) {
    const [zk, rl, race] = report.locks as [LockResult, LockResult, LockResult];
    report.goals.push({
      goal: 'redis lock grants/s >= 5x zk lock (lock alone)',
      measured: x(rl.opsPerSec, zk.opsPerSec),
      met: rl.opsPerSec >= 5 * zk.opsPerSec,
    });
    const tail = rl.p99Ms / rl.p50Ms;
    report.goals.push({
      goal: 'fair redis lock p99/p50 <= 20 (32 contenders)',
      measured: `${tail.toFixed(1)} (p50 ${rl.p50Ms.toFixed(2)} ms, p99 ${rl.p99Ms.toFixed(1)} ms; the race: ${(race.p99Ms / race.p50Ms).toFixed(1)})`,
      met: tail <= 20,
    });
    report.goals.push({
      goal: 'fair redis lock grants/s >= 0.8x the race (SET NX, fair: false)',
      measured: `${x(rl.opsPerSec, race.opsPerSec)} (${rl.opsPerSec.toFixed(0)} vs ${race.opsPerSec.toFixed(0)}/s)`,
      met: rl.opsPerSec >= 0.8 * race.opsPerSec,
    });
  }
  const rawSql = report.pairs.find((p) => p.area === 'mysql' && p.reference.what.includes('raw mysql2'));
  if (rawSql) {
    const r = rawSql.ours.opsPerSec / rawSql.reference.opsPerSec;
    report.goals.push({
      goal: 'point select through SqlNode >= 0.9x raw mysql2 (same pool size, 8 in flight)',
      measured: `${r.toFixed(2)}x (${rawSql.ours.opsPerSec.toFixed(0)} vs ${rawSql.reference.opsPerSec.toFixed(0)}/s)`,
      met: r >= 0.9,
    });
  }
  const consume = report.pairs.find((p) => p.area === 'kafka-consume');
  if (consume) {
    const r = consume.ours.opsPerSec / consume.reference.opsPerSec;
    report.goals.push({
      goal: "EventConsumer with a no-op handler >= 0.5x Kafka's ConsumerPerformance (same topic, records and user)",
      measured: `${r.toFixed(2)}x (${consume.ours.opsPerSec.toFixed(0)} vs ${consume.reference.opsPerSec.toFixed(0)} records/s)`,
      met: r >= 0.5,
    });
  }
  if (report.orders) {
    const { inProcess, http } = report.orders;
    const r = http.successesPerSec / inProcess.opsPerSec;
    report.goals.push({
      goal: 'POST /api/orders through the gateway >= 0.5x the same order transaction in-process (32 in flight)',
      measured: `${r.toFixed(2)}x (${http.successesPerSec.toFixed(0)} vs ${inProcess.opsPerSec.toFixed(0)}/s; p99 ${http.latencyMs.p99.toFixed(0)} vs ${inProcess.p99Ms.toFixed(0)} ms)`,
      met: r >= 0.5,
    });
  }
  if (report.tracing) {
    const off = report.tracing.find((r) => r.mode === 'off');
    for (const row of report.tracing.filter((r) => r.mode !== 'off')) {
      const { perRound, median } = tracingRatio(report.tracing, row.mode);
      report.goals.push({
        goal: {
          default: 'POST /api/orders with tracing at its default (10%) >= 0.9x with telemetry off (median of the rounds)',
          console: 'POST /api/orders with tracing at its default and the console polling >= 0.9x with telemetry off (median of the rounds)',
          all: 'POST /api/orders with tracing at 100% (reported; no target)',
        }[row.mode as 'default' | 'console' | 'all'],
        measured:
          `${median.toFixed(2)}x (rounds ${perRound.map((x) => `${x.toFixed(2)}x`).join(', ')}; ` +
          `median ${row.result.successesPerSec.toFixed(0)} vs ${off?.result.successesPerSec.toFixed(0)}/s; p99 ${row.result.latencyMs.p99.toFixed(0)} ms)`,
        met: row.mode === 'all' ? true : median >= 0.9,
      });
    }
  }
  if (report.overload) {
    const o = report.overload;
    const at = (mode: 'gate' | 'no-gate', m: number) => o.points.find((p) => p.mode === mode && p.multiple === m)?.result;
    const gated = at('gate', 2);
    const open = at('no-gate', 2);
    if (gated) {
      const bound = gateBoundMs(o.saturationPerSec);
      const p99 = admittedP99(gated);
      report.goals.push({
        goal: `POST /api/orders at 2x saturation, gated: admitted p99 <= 1.5x the gate's bound (MAX_IN_FLIGHT / saturation + MAX_QUEUE_MS = ${bound.toFixed(0)} ms)`,
        measured: `${Number.isFinite(p99) ? `${p99.toFixed(0)} ms` : 'nothing admitted'}${open ? ` (without the gate: ${admittedP99(open).toFixed(0)} ms)` : ''}`,
        met: p99 <= 1.5 * bound,
      });
      const refused = gated.latencyByStatusMs['503'];
      report.goals.push({
        goal: 'POST /api/orders at 2x saturation, gated: the excess gets a 503 with Retry-After, p99 <= 250 ms',
        measured: refused ? `${gated.statusCodes['503']} refused, p99 ${refused.p99.toFixed(0)} ms` : 'none refused',
        met: refused !== undefined && refused.p99 <= 250,
      });
      report.goals.push({
        goal: 'POST /api/orders at 2x saturation, gated: orders/s >= 0.8x the saturation rate (no collapse)',
        measured: `${x(gated.successesPerSec, o.saturationPerSec)} (${gated.successesPerSec.toFixed(0)} vs ${o.saturationPerSec.toFixed(0)}/s)`,
        met: gated.successesPerSec >= 0.8 * o.saturationPerSec,
      });
    }
  }
  if (report.curator) {
    const r = report.curator.ours.p50Ms / report.curator.curator.p50Ms;
    report.goals.push({ goal: 'zk-lock p50 within 1.2x of Curator', measured: `${r.toFixed(2)}x`, met: r <= 1.2 });
  }

  const f = (n: number): string => n.toFixed(n < 10 ? 2 : 0);
  const md: string[] = [`# Benchmark report (${report.at}, ${report.machine}, ZooKeeper ${CONNECT})`, ''];
  if (st) {
    md.push('## Flash-sale strategies (claim: lock + stock write, or reservation), in-process, two instances', '');
    md.push('| strategy | claims/s | p50 ms | p99 ms | sold / stock | vs zk-lock |', '|---|---|---|---|---|---|');
    const zk = by(st, 'zk-lock')?.claimsPerSec ?? 1;
    for (const r of st)
      md.push(
        `| ${r.strategy} | ${f(r.claimsPerSec)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${r.sold} / ${r.stock} | ${x(r.claimsPerSec, zk)} |`,
      );
    md.push('');
  }
  if (report.locks) {
    md.push(
      '## The locks alone (acquire+release, 32 contenders, two connections)',
      '',
      '| lock | grants/s | p50 ms | p99 ms |',
      '|---|---|---|---|',
    );
    for (const r of report.locks) md.push(`| ${r.lock} | ${f(r.opsPerSec)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} |`);
    md.push('');
  }
  if (report.curator) {
    const { ours: o, curator: c } = report.curator;
    md.push('## zk-lock vs Apache Curator (16 contenders, one session each)', '', '| | ops/s | p50 ms | p99 ms |', '|---|---|---|---|');
    md.push(
      `| ours | ${f(o.opsPerSec)} | ${f(o.p50Ms)} | ${f(o.p99Ms)} |`,
      `| Curator | ${f(c.opsPerSec)} | ${f(c.p50Ms)} | ${f(c.p99Ms)} |`,
      '',
    );
  }
  if (report.pairs.length) {
    md.push(
      '## Against the reference tools',
      '',
      '| area | ours | ops/s | reference | ops/s | ours / reference |',
      '|---|---|---|---|---|---|',
    );
    for (const p of report.pairs)
      md.push(
        `| ${p.area} | ${p.ours.what} | ${f(p.ours.opsPerSec)} | ${p.reference.what} | ${f(p.reference.opsPerSec)} | ${x(p.ours.opsPerSec, p.reference.opsPerSec)} |`,
      );
    md.push('');
  }
  if (report.e2e) {
    md.push(
      '## Whole HTTP purchase through the gateway (load kit, 32 connections)',
      '',
      '| scenario | 2xx/s | p50 ms | p95 ms | p99 ms | codes | sold / stock |',
      '|---|---|---|---|---|---|---|',
    );
    for (const r of report.e2e)
      md.push(
        `| ${r.scenario} | ${f(r.successesPerSec)} | ${f(r.latencyMs.p50)} | ${f(r.latencyMs.p95)} | ${f(r.latencyMs.p99)} | ${JSON.stringify(r.statusCodes)} | ${String(r.extra['sold'])} / ${String(r.extra['stock'])} |`,
      );
    md.push('');
  }
  if (report.orders) {
    const { inProcess: o, http: h } = report.orders;
    md.push(
      '## Placing an order (idempotency claim, price read, order + items + outbox in one transaction), 32 in flight',
      '',
      '| path | orders/s | p50 ms | p99 ms | codes |',
      '|---|---|---|---|---|',
      `| OrdersService.place in-process (order-service's account, primaries) | ${f(o.opsPerSec)} | ${f(o.p50Ms)} | ${f(o.p99Ms)} | ${o.orders} placed |`,
      `| POST /api/orders through the gateway (session, user check, service token) | ${f(h.successesPerSec)} | ${f(h.latencyMs.p50)} | ${f(h.latencyMs.p99)} | ${JSON.stringify(h.statusCodes)} |`,
      '',
    );
  }
  if (report.tracing) {
    md.push(
      '## What tracing costs POST /api/orders (gateway, user-service, order-service; 32 connections)',
      '',
      `Each mode ran once per round, ${report.tracing[0]?.runs.length ?? 0} rounds interleaved; orders/s is the median run's (each round's in brackets), its latencies beside it.`,
      '',
      '| mode | orders/s | p50 ms | p99 ms | codes |',
      '|---|---|---|---|---|',
    );
    for (const { what, runs, result: r } of report.tracing)
      md.push(
        `| ${what} | ${f(r.successesPerSec)} (${runs.map((x) => f(x.successesPerSec)).join(', ')}) | ${f(r.latencyMs.p50)} | ${f(r.latencyMs.p99)} | ${JSON.stringify(r.statusCodes)} |`,
      );
    md.push('');
  }
  if (report.overload) {
    const o = report.overload;
    md.push(
      '## POST /api/orders past saturation, with the admission gate and without (gateway, user-service, order-service)',
      '',
      `Saturation: ${f(o.saturationPerSec)} orders/s (${o.saturation.options.connections} connections, as many as the gate has slots, as fast as the gated fleet answers; p99 ${f(o.saturation.latencyMs.p99)} ms). ` +
        `Each point offers a fixed rate for ${o.seconds} s on ${o.connections} connections, whether or not answers come back.`,
      '',
      '| fleet | offered/s | orders/s | admitted p50 ms | admitted p99 ms | 503s | 503 p99 ms | other codes, errors |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const p of o.points) {
      const r = p.result;
      const ok = r.latencyByStatusMs['201'];
      const shed = r.latencyByStatusMs['503'];
      const other = Object.fromEntries(Object.entries(r.statusCodes).filter(([c]) => c !== '201' && c !== '503'));
      md.push(
        `| ${GATE_MODES[p.mode].what} | ${p.offeredPerSec} (${p.multiple}x) | ${f(r.successesPerSec)} | ${ok ? f(ok.p50) : '-'} | ${ok ? f(ok.p99) : '-'} | ${r.statusCodes['503'] ?? 0} | ${shed ? f(shed.p99) : '-'} | ${JSON.stringify(other)}, ${r.errors} |`,
      );
    }
    md.push('');
  }
  if (report.scale) {
    const pct = (n: number | undefined): string => `${(n ?? 0).toFixed(0)}%`;
    md.push(
      '## POST /api/orders scale curves (a fresh fleet per instance count; with 2, the connections split over both gateways)',
      '',
      ...scaleChart(report.scale),
      '',
      'CPU is a share of all the cores (100% = every core busy), per app (all its instances) and per server group, the biggest first.',
      '',
      '| instances | connections | orders/s | p50 ms | p99 ms | failed | CPU busy | I/O wait | CPU by process | fsyncs/order | row-lock ms/order | wall |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...report.scale.map(
        (p) =>
          `| ${p.instances} | ${p.connections} | ${f(p.ordersPerSec)} | ${f(p.p50Ms)} | ${f(p.p99Ms)} | ${p.failed} | ${pct(p.use.busyPct)} | ${pct(p.use.ioWaitPct)} | ${cpuByGroup(
            p.use,
          )
            .filter(([, v]) => v >= 1)
            .map(([k, v]) => `${k} ${pct(v)}`)
            .join(', ')} | ${p.fsyncsPerOrder.toFixed(2)} | ${p.rowLockWaitMsPerOrder.toFixed(2)} | ${p.wall} |`,
      ),
      '',
    );
  }
  md.push(
    '## Goals',
    '',
    '| goal | measured | met |',
    '|---|---|---|',
    ...report.goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : 'NO'} |`),
    '',
  );
  const dir = join(ROOT, 'reports', 'bench');
  mkdirSync(dir, { recursive: true });
  const stamp = report.at.replace(/[:.]/g, '-');
  writeFileSync(join(dir, `bench-${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(dir, 'report.md'), md.join('\n'));
  process.stdout.write(`\n${md.join('\n')}\nreport: ${join(dir, 'report.md')} and bench-${stamp}.json\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
