/**
 * `npm run bench:zk-client`: this platform's ZooKeeper client against
 * ZooKeeper's Java client (see zk-client.ts). Prints the table and writes
 * tmp/bench/zk-client.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_OPS, CLIENT_SCENARIOS, CLIENT_SERVER, javaClient, oursClient, type ClientResult } from './zk-client';
import { buildCurator, ROOT } from './zk-lock';

async function main(): Promise<void> {
  const classpath = buildCurator();
  const run = Date.now().toString(36);
  const rows: { scenario: string; ours: ClientResult; java: ClientResult }[] = [];
  for (const s of CLIENT_SCENARIOS) {
    process.stdout.write(`${s.name}: ${CLIENT_OPS} calls each...\n`);
    const ours = await oursClient(`/bench-client-ours-${run}`, s.op, CLIENT_OPS, s.inflight);
    const java = javaClient(classpath, `/bench-client-java-${run}`, s.op, CLIENT_OPS, s.inflight);
    rows.push({ scenario: s.name, ours, java });
  }
  const f = (n: number, d = 1): string => n.toFixed(d);
  const lines = [
    '',
    `ZooKeeper client round trips, one session on ${CLIENT_SERVER}, 100-byte node`,
    '',
    'scenario              | ours ops/s | Java ops/s | ours p50 ms | Java p50 ms | ours p99 ms | Java p99 ms | throughput (ours/Java)',
    '--------------------- | ---------- | ---------- | ----------- | ----------- | ----------- | ----------- | ----------------------',
    ...rows.map(
      (r) =>
        `${r.scenario.padEnd(21)} | ${f(r.ours.opsPerSec).padStart(10)} | ${f(r.java.opsPerSec).padStart(10)} | ${f(r.ours.p50Ms, 2).padStart(11)} | ${f(r.java.p50Ms, 2).padStart(11)} | ${f(r.ours.p99Ms, 2).padStart(11)} | ${f(r.java.p99Ms, 2).padStart(11)} | ${f(r.ours.opsPerSec / r.java.opsPerSec, 2)}x`,
    ),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const outDir = join(ROOT, 'tmp', 'bench');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'zk-client.json'), JSON.stringify({ at: new Date().toISOString(), server: CLIENT_SERVER, rows }, null, 2));
  process.stdout.write(`results: ${join(outDir, 'zk-client.json')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
