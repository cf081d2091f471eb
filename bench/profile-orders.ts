/**
 * `npm run bench:profile`: where the CPU goes on `POST /api/orders` (issue 17, item 1). Starts a
 * fresh fleet (gateway, user-service, order-service) with V8's sampling profiler on
 * (`--cpu-prof`), places BENCH_ORDERS orders (1500) through the gateway on 32 connections, stops
 * the fleet, and prints each process's CPU time by where the code lives: our code, each npm
 * package, Node's own internals, the garbage collector. The `.cpuprofile` files stay under
 * `reports/bench/profiles/<mode>/<service>/`: open one in Chrome DevTools (Performance, "Load
 * profile") or https://www.speedscope.app for its flame graph.
 *
 * BENCH_PROFILE_MODE: `default` (tracing at its default) or `off` (OTEL_SDK_DISABLED=true), or
 * both, comma-separated (the default: `off,default`, so the two can be compared in one session).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@dsp/infra-stack';
import { ordersThroughFreshFleet, type FleetRun } from './order-fleet';
import { TRACING_MODES, type TracingMode } from './telemetry-cost';

const ORDERS = Number(process.env['BENCH_ORDERS'] ?? 1500);
const MODES = (process.env['BENCH_PROFILE_MODE'] ?? 'off,default').split(',').filter(Boolean) as TracingMode[];
const OUT = join(REPO_ROOT, 'reports', 'bench', 'profiles');
const SERVICES = ['gateway', 'user-service', 'order-service'] as const;

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: `ours`, an npm package (`pino`, `@opentelemetry/instrumentation-http`), `node` or a V8 pseudo-frame. */
export function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?');
  }
  return 'ours';
}

/** The packages tracing brings: OpenTelemetry's own, and the module hooks its instrumentations install. */
export function isTelemetryPlace(place: string): boolean {
  return (
    place.startsWith('@opentelemetry/') || place === 'require-in-the-middle' || place === 'import-in-the-middle' || place === 'shimmer'
  );
}

/**
 * Milliseconds of CPU (samples that were not idle) per place, from one profile, counting only
 * the samples between `fromUs` and `toUs` (the profile's own clock, microseconds).
 */
export function selfTimeByPlace(profile: CpuProfile, fromUs = -Infinity, toUs = Infinity): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const node = byId.get(id);
    if (!node || at < fromUs || at > toUs) return;
    const place = placeOf(node.callFrame.url, node.callFrame.functionName);
    if (place === '(idle)') return;
    ms.set(place, (ms.get(place) ?? 0) + delta / 1000);
  });
  return ms;
}

function profilesOf(dir: string): CpuProfile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
}

async function main(): Promise<void> {
  const say = (s: string): boolean => process.stdout.write(`[profile ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  const lines: string[] = [`# Where the CPU goes: POST /api/orders, ${ORDERS} orders, 32 connections`, ''];
  for (const mode of MODES) {
    const spec = TRACING_MODES[mode];
    if (!spec) throw new Error(`unknown BENCH_PROFILE_MODE "${mode}": use ${Object.keys(TRACING_MODES).join(', ')}`);
    const dir = join(OUT, mode);
    rmSync(dir, { recursive: true, force: true });
    for (const svc of SERVICES) mkdirSync(join(dir, svc), { recursive: true });
    const perService = await profileRun(mode, dir, say);
    lines.push(
      `## ${spec.what}`,
      '',
      `${perService.result.successesPerSec.toFixed(0)} orders/s, p99 ${perService.result.latencyMs.p99.toFixed(0)} ms`,
      '',
    );
    for (const [service, places] of perService.places) {
      const total = [...places.values()].reduce((a, b) => a + b, 0);
      lines.push(
        `### ${service}: ${(total / ORDERS).toFixed(2)} ms of CPU per order`,
        '',
        '| where | ms per order | share |',
        '|---|---|---|',
      );
      for (const [place, t] of [...places.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12))
        lines.push(`| ${place} | ${(t / ORDERS).toFixed(3)} | ${((100 * t) / total).toFixed(1)}% |`);
      const otel = [...places.entries()].filter(([place]) => isTelemetryPlace(place)).reduce((a, [, t]) => a + t, 0);
      lines.push(
        `| **all of OpenTelemetry's packages** (and the require hook it installs) | ${(otel / ORDERS).toFixed(3)} | ${((100 * otel) / total).toFixed(1)}% |`,
      );
      lines.push('');
    }
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'report.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`\n${lines.join('\n')}\nreport: ${join(OUT, 'report.md')}; profiles under ${OUT}\n`);
}

async function profileRun(
  mode: TracingMode,
  dir: string,
  say: (s: string) => void,
): Promise<{ result: FleetRun['result']; places: Map<string, Map<string, number>> }> {
  const run = await ordersThroughFreshFleet(`bench-profile-${mode}`, TRACING_MODES[mode].env, ORDERS, say, {
    what: `profile: ${TRACING_MODES[mode].what}`,
    nodeArgsOf: (app) => ['--cpu-prof', `--cpu-prof-dir=${join(dir, app)}`],
  });
  const places = new Map<string, Map<string, number>>();
  for (const svc of SERVICES) {
    const merged = new Map<string, number>();
    const exited = run.exitedAtMs[svc];
    if (exited === undefined) throw new Error(`${svc} was not stopped`);
    const profiles = profilesOf(join(dir, svc));
    if (profiles.length === 0)
      throw new Error(`${svc} left no profile in ${join(dir, svc)}: it did not exit by itself within 10 s of SIGTERM`);
    for (const p of profiles) {
      // The profile ends as the process exits: the measured window, counted back from there.
      const fromUs = p.endTime - (exited - run.measuredFromMs) * 1000;
      const toUs = p.endTime - (exited - run.measuredToMs) * 1000;
      for (const [k, v] of selfTimeByPlace(p, fromUs, toUs)) merged.set(k, (merged.get(k) ?? 0) + v);
    }
    places.set(svc, merged);
  }
  return { result: run.result, places };
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
