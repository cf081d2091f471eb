/**
 * Raw client round trips: this platform's ZooKeeper client (TypeScript wire
 * protocol, ADR 0006) against ZooKeeper's own Java client, on the same server,
 * in the same run: `getData` one at a time (latency), `getData` and `setData`
 * with 64 in flight (throughput), on one 100-byte node through one session.
 * Not a test: the ratio is what to compare.
 *
 * Env: BENCH_ZK_CLIENT_SERVER (127.0.0.1:2181), BENCH_ZK_CLIENT_OPS (5000).
 */
import { execFileSync } from 'node:child_process';
import { createJsonLogger } from '@dsp/service-defaults';
import { ZookeeperClient } from '@dsp/zookeeper';
import { secondsSince, summarize } from './latency';
import { BENCH_ZK_AUTH, BENCH_ZK_DIGEST } from './zk-lock';

export const CLIENT_SERVER = process.env['BENCH_ZK_CLIENT_SERVER'] ?? '127.0.0.1:2181';
export const CLIENT_OPS = Number(process.env['BENCH_ZK_CLIENT_OPS'] ?? 5000);
const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

export interface ClientResult {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ops: number;
  inflight: number;
}

export interface ClientScenario {
  name: string;
  op: 'get' | 'set';
  inflight: number;
}

export const CLIENT_SCENARIOS: readonly ClientScenario[] = [
  { name: 'getData, 1 in flight', op: 'get', inflight: 1 },
  { name: 'getData, 64 in flight', op: 'get', inflight: 64 },
  { name: 'setData, 64 in flight', op: 'set', inflight: 64 },
];

export async function oursClient(path: string, op: 'get' | 'set', ops: number, inflight: number): Promise<ClientResult> {
  const zk = new ZookeeperClient({ connectString: CLIENT_SERVER, sessionTimeoutMs: 6000, auth: BENCH_ZK_AUTH }, logger);
  zk.start();
  await zk.waitConnected(10_000);
  try {
    const payload = Buffer.alloc(100);
    await zk.create(path, payload).catch(() => undefined);
    for (let i = 0; i < 200; i++) await zk.getData(path);
    const latencies: number[] = [];
    let issued = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (issued < ops) {
          issued++;
          const s = process.hrtime.bigint();
          if (op === 'set') await zk.setData(path, payload);
          else await zk.getData(path);
          latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
      }),
    );
    return { ...summarize(latencies, secondsSince(t0)), inflight };
  } finally {
    await zk.close();
  }
}

export function javaClient(classpath: string, path: string, op: 'get' | 'set', ops: number, inflight: number): ClientResult {
  const out = execFileSync(
    'java',
    ['-Xmx256m', '-cp', classpath, 'dev.dsp.bench.ClientBench', CLIENT_SERVER, path, op, String(ops), String(inflight)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ZK_DIGEST: BENCH_ZK_DIGEST } },
  );
  return JSON.parse(out.trim().split('\n').pop() as string) as ClientResult;
}
