import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

interface Project {
  name: string;
  root: string;
  tags: string[];
  targets: Record<string, { executor?: string; options?: Record<string, unknown>; cache?: boolean; parallelism?: boolean }>;
}

/** Every project as Nx resolves it (project.json + nx.json's targetDefaults + inferred lint), from one `nx graph`. */
function projects(): Project[] {
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  const file = join(mkdtempSync(join(tmpdir(), 'nx-graph-')), 'graph.json');
  execFileSync('npx', ['nx', 'graph', `--file=${file}`], { cwd: root, env, stdio: 'ignore' });
  const graph = JSON.parse(readFileSync(file, 'utf8')) as {
    graph: { nodes: Record<string, { name: string; data: Omit<Project, 'name'> }> };
  };
  return Object.values(graph.graph.nodes).map((n) => ({ ...n.data, name: n.name, tags: n.data.tags ?? [], targets: n.data.targets ?? {} }));
}

/** `.ts` files of a project that belong to it, not to a project nested inside it. */
function files(p: Project, all: Project[], re: RegExp): string[] {
  const nested = all.filter((o) => o.root !== p.root && o.root.startsWith(`${p.root}/`)).map((o) => `${o.root}/`);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !nested.some((n) => `${rel}/`.startsWith(n))) walk(rel);
      } else if (re.test(e.name)) out.push(rel);
    }
  };
  walk(p.root);
  return out;
}

/** The project roots the Dockerfile copies into its build stage (`COPY infra/stack infra/stack`): they go to dist/ too. */
const IN_IMAGE = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^COPY (?!--)(\S+) \1$/gm)].map((m) => m[1] as string);

describe('Nx targets', () => {
  const all = projects();

  it('should give each project the targets its files call for, each running real work', () => {
    const problems: string[] = [];
    for (const p of all) {
      const t = p.targets;
      const want = (target: string, why: boolean, reason: string): void => {
        if (why && !t[target]) problems.push(`${p.name}: no ${target} target (${reason})`);
        if (!why && t[target] && target !== 'lint') problems.push(`${p.name}: a ${target} target with nothing to do`);
      };
      const isApp = p.tags.includes('type:app');
      want('test', files(p, all, /\.spec\.ts$/).length > 0, 'it has *.spec.ts');
      want('int', files(p, all, /(?<!\.faults)\.int-spec\.ts$/).length > 0, 'it has *.int-spec.ts');
      want('faults', files(p, all, /\.faults\.int-spec\.ts$/).length > 0, 'it has *.faults.int-spec.ts');
      want('build', isApp || p.root.startsWith('libs/') || IN_IMAGE.includes(p.root), 'apps, libs and what the image holds go to dist/');
      want('serve', isApp, 'an app');
      if (!t['lint']) problems.push(`${p.name}: no lint target`);
      if (t['build'] && !existsSync(join(root, String(t['build'].options?.['main']))))
        problems.push(`${p.name}: build's main does not exist`);
    }
    expect(problems).toEqual([]);
  });

  it('should never cache the integration targets and run them one at a time', () => {
    const integration = all.flatMap((p) => ['int', 'faults'].flatMap((k) => (p.targets[k] ? [[p.name, k, p.targets[k]] as const] : [])));
    expect(integration.length).toBeGreaterThan(8);
    for (const [, , t] of integration) {
      expect(t.cache).toBe(false);
      expect(t.parallelism).toBe(false);
    }
    const unit = all.flatMap((p) => (p.targets['test'] ? [[p.name, p.targets['test']] as const] : []));
    expect(unit.every(([, t]) => t.options?.['jestConfig'] === 'jest.unit.config.js')).toBe(true);
    // cached, except this project's: its specs read the whole workspace (every project.json, package.json...)
    expect(unit.filter(([, t]) => t.cache !== true).map(([n]) => n)).toEqual(['workspace']);
  });

  it('should keep the build context of the Dockerfile able to run the Nx build', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8');
    for (const f of ['nx.json', 'tsconfig.json', '.swcrc']) expect(ignore).toContain(`!${f}`);
  });
});
