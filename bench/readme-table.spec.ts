import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BEGIN, END, renderReadmeTable, replaceReadmeTable, type BenchReport } from './readme-table';

const ROOT = join(__dirname, '..');

describe("README.md's bench table", () => {
  it('is the table rendered from docs/bench/last-run.json (npm run bench:readme), not typed', () => {
    const report = JSON.parse(readFileSync(join(ROOT, 'docs', 'bench', 'last-run.json'), 'utf8')) as BenchReport;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf(BEGIN), readme.indexOf(END) + END.length);
    expect(block).toBe(renderReadmeTable(report));
  });

  it('computes each ratio from the report and says which sections a partial run left out', () => {
    const report: BenchReport = {
      at: '2026-01-02T03:04:05.000Z',
      machine: '2 cores',
      locks: [
        { lock: 'zk-lock', opsPerSec: 400, p50Ms: 50, p99Ms: 100 },
        { lock: 'redis-lock', opsPerSec: 5000, p50Ms: 4, p99Ms: 12 },
        { lock: 'redis-lock-race', opsPerSec: 4000, p50Ms: 0.2, p99Ms: 140 },
      ],
      pairs: [
        {
          area: 'mysql',
          ours: { what: 'point select through SqlNode', opsPerSec: 3000 },
          reference: { what: 'a raw mysql2 pool', opsPerSec: 2000 },
        },
        {
          area: 'mysql',
          ours: { what: 'point select through SqlNode', opsPerSec: 3000 },
          reference: { what: 'sysbench', opsPerSec: 6000 },
        },
      ],
      goals: [
        { goal: 'a', measured: '1', met: true },
        { goal: 'b', measured: '2', met: false },
      ],
    };
    const table = renderReadmeTable(report);
    expect(table).toContain('| Redis lock (fair) vs ZooKeeper lock, grants/s, locks alone');
    expect(table).toMatch(/locks alone\s+\| 12\.5x \(5,000 vs 400\/s\)/);
    expect(table).toMatch(/p99\/p50 of each\s+\| 1\.25x; 3\.0 vs 700/);
    expect(table).toMatch(/vs sysbench \(8 C threads\)\s+\| 1\.50x \/ 0\.50x/);
    expect(table).toMatch(/flash-sale claims\/s vs zk-lock.*\| not in this run/);
    expect(table).toMatch(/in-process\s+\| not in this run/);
    expect(table).toMatch(/goals met\s+\| 1 of 2 \(not met: b\)/);
    expect(table).toContain('Run of 2026-01-02 (2 cores)');
  });

  it('replaces only what lies between its markers, and refuses a README without them', () => {
    const readme = `before\n${BEGIN}\nold\n${END}\nafter\n`;
    expect(replaceReadmeTable(readme, `${BEGIN}\nnew\n${END}`)).toBe(`before\n${BEGIN}\nnew\n${END}\nafter\n`);
    expect(() => replaceReadmeTable('no markers', 'x')).toThrow(/no bench table markers/);
  });
});
