import { localAdminToken } from '@dsp/contracts';
/**
 * `npm run load -- <scenario...|all> [options]`: drives the running platform
 * (`npm start`) through its gateway with autocannon and prints req/s, 2xx/s,
 * p50/p95/p99, status codes, errors and, for flash sales, sold vs stock.
 * Results go to `reports/load/` as JSON and an HTML page that compares the
 * newest run of each scenario. Only loopback targets are allowed.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seedBuyers, type Buyer } from '@dsp/ops';
import { writeResult } from './report';
import { DEFAULT_LOAD_OPTIONS, runLoad, type LoadResult } from './run-load';
import { scenario, SCENARIOS, type ScenarioContext } from './scenarios';

const USAGE = `usage: npm run load -- <scenario...|all> [--connections N] [--duration S] [--rate R] [--amount N]
                         [--buyers N] [--stock N] [--gateway URL] [--out DIR]

scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(24)} ${s.describe}`).join('\n')}

defaults: --connections ${DEFAULT_LOAD_OPTIONS.connections} --duration ${DEFAULT_LOAD_OPTIONS.durationSeconds} --rate 0 (as fast as answered)
          --buyers 2000 --stock 1000 --gateway http://127.0.0.1:8080 --out reports/load`;

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
    throw new Error(`refusing to load ${url}: the load kit only targets this machine (127.0.0.1, ::1)`);
}

export function formatResult(r: LoadResult): string {
  const e = r.extra;
  const ok = Object.entries(r.statusCodes)
    .filter(([c]) => c.startsWith('2'))
    .reduce((n, [, k]) => n + k, 0);
  const sale =
    e['stock'] !== undefined
      ? `\n  sold ${String(e['sold'])} of ${String(e['stock'])}${Number(e['oversold']) > 0 ? `  OVERSOLD by ${String(e['oversold'])}` : ''}` +
        `; ${ok} purchases answered 2xx` +
        (r.inFlightAtEnd > 0
          ? `, ${r.inFlightAtEnd} still in flight when the run stopped (sent, never answered: the server may have sold them)`
          : '')
      : '';
  const cut = e['stock'] === undefined && r.inFlightAtEnd > 0 ? `  in flight at the end ${r.inFlightAtEnd}` : '';
  return (
    `${r.scenario.padEnd(26)} ${r.requestsPerSec.toFixed(0).padStart(7)} req/s ${r.successesPerSec.toFixed(0).padStart(7)} 2xx/s  ` +
    `p50 ${r.latencyMs.p50.toFixed(1)} p95 ${r.latencyMs.p95.toFixed(1)} p99 ${r.latencyMs.p99.toFixed(1)} ms  ` +
    `codes ${JSON.stringify(r.statusCodes)} errors ${r.errors}${cut}${sale}`
  );
}

/** One progress line: on a terminal it overwrites itself, elsewhere it is a line of its own. */
let lastProgress = '';
function progressLine(line: string, final = false): void {
  if (line === lastProgress) return;
  lastProgress = line;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      connections: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      amount: { type: 'string' },
      buyers: { type: 'string' },
      stock: { type: 'string' },
      gateway: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 64);
  }
  const names = positionals.includes('all') ? SCENARIOS.map((s) => s.name) : positionals;
  const scenarios = names.map(scenario); // loud for an unknown name, before any load
  const num = (v: string | undefined, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${v}"`);
    return n;
  };
  const gatewayUrl = values.gateway ?? process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:8080';
  assertLoopback(gatewayUrl);
  const options = {
    connections: num(values.connections, 'connections', DEFAULT_LOAD_OPTIONS.connections),
    durationSeconds: num(values.duration, 'duration', DEFAULT_LOAD_OPTIONS.durationSeconds),
    rate: num(values.rate, 'rate', 0),
    ...(values.amount ? { amount: num(values.amount, 'amount', 0) } : {}),
  };
  const ready = await fetch(`${gatewayUrl}/health/ready`).catch(() => undefined);
  if (!ready || ready.status !== 200)
    throw new Error(
      `the gateway at ${gatewayUrl} is not ready${ready ? ` (${ready.status})` : ''}: start the platform with \`npm start\` (or pass --gateway)`,
    );
  const outDir = values.out ?? join(__dirname, '..', '..', 'reports', 'load');
  const buyerCount = num(values.buyers, 'buyers', 2000);
  const seed = async (count: number): Promise<Buyer[]> => {
    process.stdout.write(`seeding ${count} buyers (users + sessions)...\n`);
    const t0 = Date.now();
    const seeded = await seedBuyers({
      gatewayUrl,
      count,
      onProgress: (phase, done, total) => progressLine(`  ${phase} ${done}/${total}`, phase === 'sessions' && done === total),
      onWait: (why) => progressLine(`  ${why}`, true),
    });
    process.stdout.write(`seeded ${seeded.length} buyers in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return seeded;
  };
  // Only scenarios that run as buyers need them: browse, register, the admin ones do not.
  if (buyerCount < 1 && scenarios.some((s) => s.buyers || s.name === 'logout'))
    throw new Error(
      `--buyers must be at least 1 for ${scenarios
        .filter((s) => s.buyers || s.name === 'logout')
        .map((s) => s.name)
        .join(', ')}`,
    );
  const buyers = scenarios.some((s) => s.buyers) ? await seed(buyerCount) : [];
  const ctx: ScenarioContext = {
    gatewayUrl,
    buyers,
    buyerCount,
    seed,
    adminToken: process.env['ADMIN_TOKEN'] ?? localAdminToken(),
    stock: num(values.stock, 'stock', 1000),
    progress: (line) => progressLine(`  ${line}`, true),
  };
  for (const s of scenarios) {
    process.stdout.write(
      `${s.name}: ${s.describe}; ${options.connections} connections, ${options.amount ? `${options.amount} requests` : `${options.durationSeconds} s`}${options.rate ? `, ${options.rate} req/s` : ''}...\n`,
    );
    const { plan, after } = await s.prepare(ctx);
    const total = options.amount ? `${options.amount} requests` : `${options.durationSeconds} s`;
    const r = await runLoad(s.name, gatewayUrl, plan, options, (p) =>
      progressLine(`  ${p.elapsedSeconds.toFixed(0)} s of ${total}: ${p.answers} answers, ${p.ok} 2xx, ${p.errors} errors`),
    );
    if (process.stderr.isTTY) process.stderr.write('\n');
    r.extra = (await after?.()) ?? {};
    const files = writeResult(outDir, r);
    process.stdout.write(`${formatResult(r)}\n  -> ${files.json}\n`);
  }
  process.stdout.write(`report: ${join(outDir, 'index.html')}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`load failed: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
