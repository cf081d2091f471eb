/**
 * The zk-lock reference pair used by `npm run bench:zk-lock` and `npm run bench`: acquire+release of this platform's InterProcessMutex
 * against Apache Curator's, on the same ensemble, in the same run, uncontended
 * and with 16 contenders (one ZooKeeper session each). Prints ops/s, p50, p99
 * and the ratio to Curator (goal: p50 within 1.2x). Not a test: numbers depend
 * on the machine; the ratio is what to compare.
 *
 * Env: BENCH_ZK_CONNECT (voters), BENCH_LOCK_OPS (1000), BENCH_LOCK_CONTENDERS (16).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ZK_CONNECT, ZK_IDENTITIES } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import { InterProcessMutex, ZookeeperClient, type ZookeeperClientOptions } from '@dsp/zookeeper';
import { secondsSince, summarize } from './latency';

export const ROOT = join(__dirname, '..');

/**
 * Both sides of every ZooKeeper comparison authenticate as the stack's operator
 * (anonymous sessions may not write); the same identity for ours and Java's.
 */
export const BENCH_ZK_DIGEST = `${ZK_IDENTITIES.operator.user}:${ZK_IDENTITIES.operator.password}`;
export const BENCH_ZK_AUTH: ZookeeperClientOptions['auth'] = [{ scheme: 'digest', auth: BENCH_ZK_DIGEST }];
export const CONNECT = process.env['BENCH_ZK_CONNECT'] ?? DEFAULT_ZK_CONNECT;
export const OPS = Number(process.env['BENCH_LOCK_OPS'] ?? 1000);
export const CONTENDED = Number(process.env['BENCH_LOCK_CONTENDERS'] ?? 16);
const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

export interface Result {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ops: number;
  contenders: number;
}

export async function ours(lockName: string, contenders: number, ops: number): Promise<Result> {
  const each = Math.floor(ops / contenders);
  const clients = Array.from(
    { length: contenders },
    () => new ZookeeperClient({ connectString: CONNECT, sessionTimeoutMs: 6000, auth: BENCH_ZK_AUTH }, logger),
  );
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
    return { ...summarize(latencies, secondsSince(t0)), contenders };
  } finally {
    for (const c of clients) await c.close();
  }
}

export function buildCurator(): string {
  const dir = join(ROOT, 'bench', 'curator');
  const jar = join(dir, 'target', 'curator-lock-bench-1.jar');
  const sources = join(dir, 'src/main/java/dev/dsp/bench');
  const newest = Math.max(...readdirSync(sources).map((f) => statSync(join(sources, f)).mtimeMs), statSync(join(dir, 'pom.xml')).mtimeMs);
  const stale = !existsSync(jar) || statSync(jar).mtimeMs < newest;
  if (stale) {
    process.stdout.write('building the Curator harness (mvn -q package)...\n');
    execFileSync('mvn', ['-q', '-B', '-f', join(dir, 'pom.xml'), 'package'], { stdio: 'inherit' });
  }
  return `${jar}:${join(dir, 'target', 'lib', '*')}`;
}

export function curator(classpath: string, lockPath: string, contenders: number, ops: number): Result {
  const out = execFileSync(
    'java',
    ['-Xmx256m', '-cp', classpath, 'dev.dsp.bench.LockBench', CONNECT, lockPath, String(contenders), String(ops)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ZK_DIGEST: BENCH_ZK_DIGEST },
    },
  );
  return JSON.parse(out.trim().split('\n').pop() as string) as Result;
}
