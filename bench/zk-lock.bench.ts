/**
 * `npm run bench:zk-lock`: acquire+release of this platform's InterProcessMutex
 * against Apache Curator's, on the same ensemble, in the same run, uncontended
 * and with 16 contenders (one ZooKeeper session each). Prints ops/s, p50, p99
 * and the ratio to Curator (goal: p50 within 1.2x). Not a test: numbers depend
 * on the machine; the ratio is what to compare.
 *
 * Env: BENCH_ZK_CONNECT (voters), BENCH_LOCK_OPS (1000), BENCH_LOCK_CONTENDERS (16).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ZK_CONNECT } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import { InterProcessMutex, ZookeeperClient } from '@dsp/zookeeper';

const ROOT = join(__dirname, '..');
const CONNECT = process.env['BENCH_ZK_CONNECT'] ?? DEFAULT_ZK_CONNECT;
const OPS = Number(process.env['BENCH_LOCK_OPS'] ?? 1000);
const CONTENDED = Number(process.env['BENCH_LOCK_CONTENDERS'] ?? 16);
const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

interface Result {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ops: number;
  contenders: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1))] as number;
}

async function ours(lockName: string, contenders: number, ops: number): Promise<Result> {
  const each = Math.floor(ops / contenders);
  const clients = Array.from({ length: contenders }, () => new ZookeeperClient({ connectString: CONNECT, sessionTimeoutMs: 6000 }, logger));
  for (const c of clients) c.start();
  await Promise.all(clients.map((c) => c.waitConnected(10_000)));
  try {
    const mutexes = clients.map((c) => new InterProcessMutex(c, lockName, logger));
    for (const m of mutexes) {
      for (let i = 0; i < 20; i++) {
        await m.acquire(30_000);
        await m.release();
      }
    }
    const latencies: number[] = [];
    const t0 = process.hrtime.bigint();
    await Promise.all(
      mutexes.map(async (m) => {
        for (let i = 0; i < each; i++) {
          const s = process.hrtime.bigint();
          if ((await m.acquire(60_000)) === undefined) throw new Error('acquire timed out');
          await m.release();
          latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    latencies.sort((a, b) => a - b);
    return {
      opsPerSec: latencies.length / seconds,
      p50Ms: pct(latencies, 0.5),
      p99Ms: pct(latencies, 0.99),
      ops: latencies.length,
      contenders,
    };
  } finally {
    for (const c of clients) await c.close();
  }
}

function buildCurator(): string {
  const dir = join(ROOT, 'bench', 'curator');
  const jar = join(dir, 'target', 'curator-lock-bench-1.jar');
  const stale = !existsSync(jar) || statSync(jar).mtimeMs < statSync(join(dir, 'src/main/java/dev/dsp/bench/LockBench.java')).mtimeMs;
  if (stale) {
    process.stdout.write('building the Curator harness (mvn -q package)...\n');
    execFileSync('mvn', ['-q', '-B', '-f', join(dir, 'pom.xml'), 'package'], { stdio: 'inherit' });
  }
  return `${jar}:${join(dir, 'target', 'lib', '*')}`;
}

function curator(classpath: string, lockPath: string, contenders: number, ops: number): Result {
  const out = execFileSync(
    'java',
    ['-Xmx256m', '-cp', classpath, 'dev.dsp.bench.LockBench', CONNECT, lockPath, String(contenders), String(ops)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return JSON.parse(out.trim().split('\n').pop() as string) as Result;
}

async function main(): Promise<void> {
  const classpath = buildCurator();
  const run = Date.now().toString(36);
  const rows: { scenario: string; ours: Result; curator: Result }[] = [];
  for (const [scenario, contenders] of [
    ['uncontended', 1],
    [`${CONTENDED} contenders`, CONTENDED],
  ] as const) {
    process.stdout.write(`${scenario}: ${OPS} acquire+release each...\n`);
    const a = await ours(`bench-ours-${run}-${contenders}`, contenders, OPS);
    const b = curator(classpath, `/bench/curator-${run}-${contenders}`, contenders, OPS);
    rows.push({ scenario, ours: a, curator: b });
  }
  const f = (n: number, d = 1): string => n.toFixed(d);
  const lines = [
    '',
    `InterProcessMutex acquire+release, ${CONNECT}`,
    '',
    'scenario          | ours ops/s | Curator ops/s | ours p50 ms | Curator p50 ms | ours p99 ms | Curator p99 ms | p50 ratio (ours/Curator)',
    '----------------- | ---------- | ------------- | ----------- | -------------- | ----------- | -------------- | ------------------------',
    ...rows.map(
      (r) =>
        `${r.scenario.padEnd(17)} | ${f(r.ours.opsPerSec).padStart(10)} | ${f(r.curator.opsPerSec).padStart(13)} | ${f(r.ours.p50Ms, 2).padStart(11)} | ${f(r.curator.p50Ms, 2).padStart(14)} | ${f(r.ours.p99Ms, 2).padStart(11)} | ${f(r.curator.p99Ms, 2).padStart(14)} | ${f(r.ours.p50Ms / r.curator.p50Ms, 2)}x (goal <= 1.2x)`,
    ),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const outDir = join(ROOT, 'tmp', 'bench');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'zk-lock.json'), JSON.stringify({ at: new Date().toISOString(), connect: CONNECT, rows }, null, 2));
  process.stdout.write(`results: ${join(outDir, 'zk-lock.json')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
