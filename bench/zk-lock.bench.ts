/**
 * `npm run bench:zk-lock`: this platform's InterProcessMutex against Apache
 * Curator's on the same ensemble (see zk-lock.ts). Prints the table and writes
 * tmp/bench/zk-lock.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCurator, CONNECT, CONTENDED, curator, OPS, ours, ROOT, type Result } from './zk-lock';

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
