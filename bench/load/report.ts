import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './run-load';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/** A horizontal bar chart as inline SVG: one row per label, one bar per series. */
function barChart(title: string, unit: string, labels: string[], series: { name: string; color: string; values: number[] }[]): string {
  const rowH = 16 * series.length + 10;
  const left = 190;
  const width = 560;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const height = 40 + rowH * labels.length + 20;
  const rows = labels
    .map((label, i) => {
      const y = 30 + i * rowH;
      const bars = series
        .map((s, j) => {
          const v = s.values[i] ?? 0;
          const w = Math.max(1, (v / max) * width);
          const by = y + j * 16;
          return `<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="13" fill="${s.color}"><title>${esc(s.name)}: ${v.toFixed(1)} ${unit}</title></rect><text x="${left + w + 4}" y="${by + 11}" font-size="11">${v.toFixed(v < 10 ? 2 : 0)}</text>`;
        })
        .join('');
      return `<text x="${left - 6}" y="${y + 11}" font-size="12" text-anchor="end">${esc(label)}</text>${bars}`;
    })
    .join('');
  const legend = series
    .map(
      (s, j) =>
        `<rect x="${left + j * 110}" y="${height - 14}" width="10" height="10" fill="${s.color}"/><text x="${left + j * 110 + 14}" y="${height - 5}" font-size="11">${esc(s.name)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)} (${esc(unit)})</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 80}" height="${height}" font-family="sans-serif">${rows}${legend}</svg></figure>`;
}

/** The newest result of each scenario in `dir`. */
export function latestResults(dir: string): LoadResult[] {
  if (!existsSync(dir)) return [];
  const byScenario = new Map<string, LoadResult>();
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as LoadResult;
    if (r.scenario) byScenario.set(r.scenario, r);
  }
  return [...byScenario.values()];
}

/** An HTML page comparing the results side by side: req/s, 2xx/s, p50/p95/p99, status codes, sold vs stock. */
export function renderHtml(results: readonly LoadResult[], title: string): string {
  const labels = results.map((r) => r.scenario);
  const rows = results
    .map((r) => {
      const e = r.extra;
      const sale =
        e['stock'] !== undefined ? `${String(e['sold'])} / ${String(e['stock'])}${Number(e['oversold'] ?? 0) > 0 ? ' OVERSOLD' : ''}` : '';
      return `<tr><td>${esc(r.scenario)}</td><td>${r.options.connections}</td><td>${r.requestsPerSec.toFixed(0)}</td><td>${r.successesPerSec.toFixed(0)}</td><td>${r.latencyMs.p50.toFixed(1)}</td><td>${r.latencyMs.p95.toFixed(1)}</td><td>${r.latencyMs.p99.toFixed(1)}</td><td>${esc(JSON.stringify(r.statusCodes))}</td><td>${r.errors}</td><td>${esc(sale)}</td><td>${esc(r.at)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.3em}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>Newest run of each scenario in this directory. Written by <code>npm run load</code>; the JSON next to this page has every number.</p>
${barChart('Throughput', 'requests per second', labels, [
  { name: 'all answers', color: '#8fb3d9', values: results.map((r) => r.requestsPerSec) },
  { name: '2xx', color: '#2a6fb5', values: results.map((r) => r.successesPerSec) },
])}
${barChart('Latency', 'ms', labels, [
  { name: 'p50', color: '#9bd3a1', values: results.map((r) => r.latencyMs.p50) },
  { name: 'p95', color: '#f0b35a', values: results.map((r) => r.latencyMs.p95) },
  { name: 'p99', color: '#d9534f', values: results.map((r) => r.latencyMs.p99) },
])}
<table><tr><th>scenario</th><th>conns</th><th>req/s</th><th>2xx/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>status codes</th><th>errors</th><th>sold / stock</th><th>at</th></tr>
${rows}
</table>
</body></html>
`;
}

/** Writes `<dir>/<time>-<scenario>.json` and rewrites `<dir>/index.html`; returns both paths. */
export function writeResult(dir: string, r: LoadResult): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${r.at.replace(/[:.]/g, '-')}-${r.scenario.replace(/[^a-z0-9-]/gi, '_')}.json`);
  writeFileSync(json, JSON.stringify(r, null, 2));
  const html = join(dir, 'index.html');
  writeFileSync(html, renderHtml(latestResults(dir), 'Load results'));
  return { json, html };
}
