/**
 * The README's table of benchmark ratios, rendered from one `npm run bench` report (its JSON), so
 * the README quotes a run instead of typed numbers. `npm run bench:readme` writes it; a unit test
 * fails when README.md and docs/bench/last-run.json disagree.
 */

interface Rate {
  what: string;
  opsPerSec: number;
}
interface Latency {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** The parts of a bench report (bench/run-bench.ts) the table reads; every section is optional (BENCH_SKIP). */
export interface BenchReport {
  at: string;
  machine: string;
  strategies?: { strategy: string; claimsPerSec: number }[];
  locks?: ({ lock: string } & Latency)[];
  curator?: { ours: Latency; curator: Latency };
  pairs: { area: string; ours: Rate; reference: Rate }[];
  e2e?: { scenario: string; successesPerSec: number }[];
  orders?: { inProcess: { opsPerSec: number }; http: { successesPerSec: number } };
  goals: { goal: string; measured: string; met: boolean }[];
}

export const BEGIN = '<!-- bench-table: begin (npm run bench:readme writes it from docs/bench/last-run.json; do not edit) -->';
export const END = '<!-- bench-table: end -->';

const ratio = (a: number, b: number): string => `${(a / b).toFixed(a / b >= 10 ? 1 : 2)}x`;
const n = (v: number): string => Math.round(v).toLocaleString('en-US');
const NOT_RUN = 'not in this run';

function pair(r: BenchReport, area: string, ours: RegExp, ref: RegExp): BenchReport['pairs'][number][] {
  return r.pairs.filter((p) => p.area === area && ours.test(p.ours.what) && ref.test(p.reference.what));
}

function rows(r: BenchReport): [string, string][] {
  const out: [string, string][] = [];
  const lock = (name: string) => r.locks?.find((l) => l.lock === name);
  const [zk, fair, race] = [lock('zk-lock'), lock('redis-lock'), lock('redis-lock-race')];
  out.push([
    'Redis lock (fair) vs ZooKeeper lock, grants/s, locks alone',
    zk && fair ? `${ratio(fair.opsPerSec, zk.opsPerSec)} (${n(fair.opsPerSec)} vs ${n(zk.opsPerSec)}/s)` : NOT_RUN,
  ]);
  out.push([
    'fair Redis lock vs the `SET NX` race: grants/s; p99/p50 of each',
    fair && race
      ? `${ratio(fair.opsPerSec, race.opsPerSec)}; ${(fair.p99Ms / fair.p50Ms).toFixed(1)} vs ${(race.p99Ms / race.p50Ms).toFixed(0)}`
      : NOT_RUN,
  ]);
  const st = r.strategies;
  const zkClaims = st?.find((s) => s.strategy === 'zk-lock')?.claimsPerSec;
  out.push([
    'flash-sale claims/s vs zk-lock: redis-lock, db-atomic, redis-reserve',
    st && zkClaims
      ? ['redis-lock', 'db-atomic', 'redis-reserve']
          .map((name) => st.find((s) => s.strategy === name))
          .map((s) => (s ? ratio(s.claimsPerSec, zkClaims) : '-'))
          .join(', ')
      : NOT_RUN,
  ]);
  out.push([
    'our ZooKeeper mutex p50 vs Curator’s (lower is better)',
    r.curator ? ratio(r.curator.ours.p50Ms, r.curator.curator.p50Ms) : NOT_RUN,
  ]);
  const zkc = (op: string) => pair(r, 'zookeeper', new RegExp(`\\b${op}\\b`), /Java/).map((p) => p.ours.opsPerSec / p.reference.opsPerSec);
  const span = (v: number[]): string =>
    v.length === 0
      ? '-'
      : v.length === 1
        ? `${(v[0] as number).toFixed(2)}x`
        : `${Math.min(...v).toFixed(2)}-${Math.max(...v).toFixed(2)}x`;
  const [get, set] = [zkc('getData'), zkc('setData')];
  out.push([
    'our ZooKeeper client vs ZooKeeper’s Java client, getData / setData (ops/s)',
    get.length + set.length ? `${span(get)} / ${span(set)}` : NOT_RUN,
  ]);
  const [redisGet] = pair(r, 'redis', /^GET through/, /redis-benchmark/);
  const [auth] = pair(r, 'redis', /^SessionStore\.authenticate \(/, /redis-benchmark/);
  out.push([
    'Redis GET / session authenticate vs redis-benchmark GET',
    redisGet && auth
      ? `${ratio(redisGet.ours.opsPerSec, redisGet.reference.opsPerSec)} / ${ratio(auth.ours.opsPerSec, auth.reference.opsPerSec)}`
      : NOT_RUN,
  ]);
  const [kafka] = pair(r, 'kafka', /^EventProducer\.send, /, /ProducerPerformance/);
  out.push([
    'EventProducer vs ProducerPerformance (acks=all, idempotent)',
    kafka ? ratio(kafka.ours.opsPerSec, kafka.reference.opsPerSec) : NOT_RUN,
  ]);
  const [raw] = pair(r, 'mysql', /SqlNode/, /raw mysql2/);
  const [sysbench] = pair(r, 'mysql', /SqlNode/, /sysbench/);
  out.push([
    'point selects through `SqlNode` vs a raw mysql2 pool / vs sysbench (8 C threads)',
    raw && sysbench
      ? `${ratio(raw.ours.opsPerSec, raw.reference.opsPerSec)} / ${ratio(sysbench.ours.opsPerSec, sysbench.reference.opsPerSec)}`
      : NOT_RUN,
  ]);
  const [http] = pair(r, 'http', /\/health\/live/, /bare fastify/);
  out.push(['gateway `/health/live` vs bare fastify', http ? ratio(http.ours.opsPerSec, http.reference.opsPerSec) : NOT_RUN]);
  const e2e = r.e2e;
  out.push([
    'whole HTTP purchase through the gateway, 2xx/s: zk-lock, redis-lock, db-atomic, redis-reserve',
    e2e?.length
      ? ['zk-lock', 'redis-lock', 'db-atomic', 'redis-reserve']
          .map((s) => e2e.find((x) => x.scenario === `flash-sale:${s}`))
          .map((x) => (x ? n(x.successesPerSec) : '-'))
          .join(', ')
      : NOT_RUN,
  ]);
  const o = r.orders;
  out.push([
    '`POST /api/orders` through the gateway vs the same order transaction in-process',
    o ? `${ratio(o.http.successesPerSec, o.inProcess.opsPerSec)} (${n(o.http.successesPerSec)} vs ${n(o.inProcess.opsPerSec)}/s)` : NOT_RUN,
  ]);
  const met = r.goals.filter((g) => g.met).length;
  out.push([
    'the report’s goals met',
    `${met} of ${r.goals.length}${
      r.goals.some((g) => !g.met)
        ? ` (not met: ${r.goals
            .filter((g) => !g.met)
            .map((g) => g.goal)
            .join('; ')})`
        : ''
    }`,
  ]);
  return out;
}

/** The markdown block (markers included) for `report`. */
export function renderReadmeTable(report: BenchReport): string {
  const body = rows(report);
  const w0 = Math.max('measured'.length, ...body.map(([a]) => a.length));
  const w1 = Math.max('ours / reference'.length, ...body.map(([, b]) => b.length));
  const line = (a: string, b: string): string => `| ${a.padEnd(w0)} | ${b.padEnd(w1)} |`;
  return [
    BEGIN,
    '',
    `Run of ${report.at.slice(0, 10)} (${report.machine}), from \`npm run bench\`:`,
    '',
    line('measured', 'ours / reference'),
    `| ${'-'.repeat(w0)} | ${'-'.repeat(w1)} |`,
    ...body.map(([a, b]) => line(a, b)),
    '',
    END,
  ].join('\n');
}

/** `readme` with its bench block replaced by `block`; throws when the markers are missing. */
export function replaceReadmeTable(readme: string, block: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no bench table markers (${BEGIN} ... ${END})`);
  return readme.slice(0, a) + block + readme.slice(b + END.length);
}
