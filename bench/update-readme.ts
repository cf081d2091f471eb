/**
 * `npm run bench:readme [report.json]`: copies a bench report (default: the newest
 * reports/bench/bench-*.json) to docs/bench/last-run.json and rewrites README.md's table from it.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderReadmeTable, replaceReadmeTable, type BenchReport } from './readme-table';

const ROOT = resolve(__dirname, '..');
const REPORTS = join(ROOT, 'reports', 'bench');

function newestReport(): string {
  const files = existsSync(REPORTS) ? readdirSync(REPORTS).filter((f) => /^bench-.*\.json$/.test(f)) : [];
  if (files.length === 0) throw new Error(`no report in ${REPORTS}: run \`npm run bench\` first`);
  return join(REPORTS, files.sort().at(-1) as string);
}

function main(): void {
  const source = process.argv[2] ? resolve(process.argv[2]) : newestReport();
  const report = JSON.parse(readFileSync(source, 'utf8')) as BenchReport;
  if (!report.at || !Array.isArray(report.pairs) || !Array.isArray(report.goals)) throw new Error(`${source} is not a bench report`);
  const skipped = ['strategies', 'locks', 'curator', 'e2e'].filter((k) => !(k in report));
  if (skipped.length) process.stdout.write(`note: ${source} has no ${skipped.join(', ')} (a BENCH_SKIP run); those rows say so\n`);
  mkdirSync(join(ROOT, 'docs', 'bench'), { recursive: true });
  copyFileSync(source, join(ROOT, 'docs', 'bench', 'last-run.json'));
  const readme = join(ROOT, 'README.md');
  writeFileSync(readme, replaceReadmeTable(readFileSync(readme, 'utf8'), renderReadmeTable(report)));
  process.stdout.write(`README.md's bench table and docs/bench/last-run.json now quote ${source}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench:readme: ${(e as Error).message}\n`);
  process.exit(1);
}
