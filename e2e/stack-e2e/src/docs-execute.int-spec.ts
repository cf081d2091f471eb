import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { localSecretValue, REPO_ROOT } from '@dsp/infra-stack';

/**
 * Docs that execute: every shell block in README.md and docs/*.md runs as
 * written against the running platform (the stack plus `npm start`'s five
 * instances, started here the way `npm start` starts them), in order, each
 * block in its own `bash -eo pipefail`, from the repository root. A block
 * passes when it exits 0 and its output contains what its `expect` says.
 *
 * A block is told apart by an HTML comment on the lines before its fence:
 *   <!-- doc-test: skip: <reason> -->      not run, and the reason says why
 *   <!-- doc-test: expect "a" "b" -->      run; the output must contain each
 *   <!-- doc-test: zkcli; <x> is the secret <label>; expect "..." -->
 *                                          a zkCli session: piped into zkCli,
 *                                          comments stripped, <x> replaced
 * A skip is the whole marker (its reason may hold `;`). `bash`/`sh` blocks run; a block without a language is text (a diagram,
 * output) unless a tool is named. An unknown directive fails the parse.
 */

export interface DocBlock {
  page: string;
  line: number;
  lang: string;
  body: string;
  kind: 'bash' | 'zkcli' | 'text';
  skip?: string;
  expect: string[];
  secrets: Record<string, string>;
}

const MARKER = /^\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*$/;

export function parseBlocks(page: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const out: DocBlock[] = [];
  let pending: string | undefined;
  let pendingLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const marker = MARKER.exec(line);
    if (marker) {
      if (pending !== undefined) throw new Error(`${page}:${i + 1}: two doc-test markers in a row`);
      pending = marker[1];
      pendingLine = i + 1;
      continue;
    }
    const fence = /^(\s*)```(.*)$/.exec(line);
    if (!fence) {
      if (pending !== undefined && line.trim() !== '')
        throw new Error(`${page}:${pendingLine}: a doc-test marker must be followed by a code block`);
      continue;
    }
    const indent = (fence[1] as string).length;
    const info = (fence[2] as string).trim();
    const lang = info.split(/\s+/)[0] ?? '';
    if (info !== lang) throw new Error(`${page}:${i + 1}: a fence with more than a language ("${info}"): the test cannot tell what it is`);
    if (['shell', 'console', 'zsh', 'terminal'].includes(lang))
      throw new Error(`${page}:${i + 1}: \`${lang}\` block: write \`bash\` (it runs) or no language (it is text)`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] as string); j++) {
      const l = lines[j] as string;
      if (l.trim() !== '' && l.length - l.trimStart().length < indent)
        throw new Error(`${page}:${j + 1}: a line indented less than its fence`);
      body.push(l.slice(indent));
    }
    if (j === lines.length) throw new Error(`${page}:${i + 1}: a code block that never closes`);
    const block: DocBlock = {
      page,
      line: i + 1,
      lang,
      body: body.join('\n'),
      kind: lang === 'bash' || lang === 'sh' ? 'bash' : 'text',
      expect: [],
      secrets: {},
    };
    // A skip is the whole marker: its reason may hold anything, `;` included.
    const skipAll = /^skip:\s*(.*)$/s.exec(pending ?? '');
    if (skipAll) {
      if (!skipAll[1]) throw new Error(`${page}:${pendingLine}: a skip needs a reason`);
      block.skip = skipAll[1];
    }
    for (const part of (skipAll ? '' : (pending ?? ''))
      .split(';')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const secret = /^(<[\w-]+>) is the secret (\S+)$/.exec(part);
      if (part.startsWith('expect ')) {
        const wanted = [...part.slice(7).matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
        if (wanted.length === 0) throw new Error(`${page}:${pendingLine}: expect needs "quoted" strings`);
        block.expect.push(...wanted);
      } else if (part === 'zkcli') block.kind = 'zkcli';
      else if (secret) block.secrets[secret[1] as string] = secret[2] as string;
      else throw new Error(`${page}:${pendingLine}: unknown doc-test directive "${part}"`);
    }
    if (pending !== undefined && block.kind === 'text')
      throw new Error(`${page}:${pendingLine}: a doc-test marker on a block that is neither shell nor a named tool`);
    pending = undefined;
    out.push(block);
    i = j;
  }
  if (pending !== undefined) throw new Error(`${page}:${pendingLine}: a doc-test marker with no block after it`);
  return out;
}

const PAGES = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const BLOCKS = PAGES.flatMap((p) => parseBlocks(p, readFileSync(join(REPO_ROOT, p), 'utf8'))).filter((b) => b.kind !== 'text');
const ZKCLI = [
  'java',
  '-Dlogback.configurationFile=infra/jvm/zookeeper/logback-cli.xml',
  '-cp',
  '.stack/cache/jars/zookeeper/*',
  'org.apache.zookeeper.ZooKeeperMain',
  '-server',
  '127.0.0.1:2181',
];

function exec(command: string, args: string[], input?: string, timeoutMs = 240_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(input ?? '');
  });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('the docs, executed (README.md and docs/: every shell block against the running platform)', () => {
  let platform: ChildProcess | undefined;
  let platformLog = '';
  const ran: string[] = [];

  beforeAll(async () => {
    if (await portInUse(8080))
      throw new Error(
        'port 8080 is in use (is `npm start` running?): the docs talk to localhost:8080, so this test runs the platform there',
      );
    platform = spawn(process.execPath, ['--import', 'tsx', 'infra/stack/src/run-platform.ts'], {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: the services it starts go down with it, even on SIGKILL
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the platform was not up after 240 s:\n${platformLog.slice(-3000)}`)), 240_000);
      const onData = (d: Buffer): void => {
        platformLog += d.toString();
        if (platformLog.includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve();
        }
      };
      platform?.stdout?.on('data', onData);
      platform?.stderr?.on('data', onData);
      platform?.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the platform exited (${code}) before it was up:\n${platformLog.slice(-3000)}`));
      });
    });
  }, 300_000);

  afterAll(async () => {
    const child = platform;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }
    const skipped = BLOCKS.filter((b) => b.skip);
    process.stdout.write(
      `[docs] ${ran.length} shell blocks ran, ${skipped.length} skipped:\n${skipped.map((b) => `  ${b.page}:${b.line} (${b.skip})`).join('\n')}\n`,
    );
  }, 60_000);

  it('should read each marker as written and refuse what it cannot read (planted cases)', () => {
    const page = [
      '<!-- doc-test: skip: stays in the foreground -->',
      '',
      '```bash',
      'npm start',
      '```',
      '<!-- doc-test: zkcli; <password> is the secret zookeeper/dsp-operator; expect "Created" "cdrwa" -->',
      '```',
      'addauth digest dsp-operator:<password>',
      '```',
      '```',
      'a diagram',
      '```',
      '  ```sh',
      '  echo indented',
      '  ```',
    ].join('\n');
    const blocks = parseBlocks('planted.md', page);
    expect(blocks.map((b) => [b.kind, b.skip, b.expect, b.body])).toEqual([
      ['bash', 'stays in the foreground', [], 'npm start'],
      ['zkcli', undefined, ['Created', 'cdrwa'], 'addauth digest dsp-operator:<password>'],
      ['text', undefined, [], 'a diagram'],
      ['bash', undefined, [], 'echo indented'],
    ]);
    expect(blocks[1]?.secrets).toEqual({ '<password>': 'zookeeper/dsp-operator' });
    expect(() => parseBlocks('p.md', '<!-- doc-test: skip: -->\n```bash\nx\n```')).toThrow(/needs a reason/);
    expect(() => parseBlocks('p.md', '<!-- doc-test: sometimes -->\n```bash\nx\n```')).toThrow(/unknown doc-test directive "sometimes"/);
    expect(() => parseBlocks('p.md', '<!-- doc-test: expect "x" -->\n```\nx\n```')).toThrow(/neither shell nor a named tool/);
    expect(() => parseBlocks('p.md', '```bash\nx\n')).toThrow(/never closes/);
    expect(() => parseBlocks('p.md', '```bash title\nx\n```')).toThrow(/more than a language/);
    expect(() => parseBlocks('p.md', '```shell\nx\n```')).toThrow(/write `bash`/);
    expect(() => parseBlocks('p.md', 'text\n<!-- doc-test: expect "x" -->\n')).toThrow(/no block after it/);
    expect(() => parseBlocks('p.md', '<!-- doc-test: expect "x" -->\n<!-- doc-test: expect "y" -->\n```bash\nx\n```')).toThrow(
      /two doc-test markers/,
    );
    expect(() => parseBlocks('p.md', '  ```bash\n x\n  ```')).toThrow(/indented less than its fence/);
    // the real docs: shell blocks on most pages, and every skip with its reason
    expect(BLOCKS.filter((b) => !b.skip).length).toBeGreaterThan(10);
    expect(new Set(BLOCKS.map((b) => b.page)).size).toBeGreaterThan(4);
  });

  // Skipped blocks count as skipped tests, their reason in the name.
  for (const b of BLOCKS.filter((x) => x.skip)) it.skip(`${b.page}:${b.line} is not run: ${b.skip}`, () => undefined);

  it.each(BLOCKS.filter((b) => !b.skip).map((b) => [`${b.page}:${b.line}`, b] as const))(
    '%s should run as written',
    async (_name, block) => {
      let result: { code: number | null; output: string };
      if (block.kind === 'zkcli') {
        let session = block.body
          .split('\n')
          .map((l) => l.replace(/\s+#.*$/, ''))
          .join('\n');
        for (const [placeholder, label] of Object.entries(block.secrets))
          session = session.split(placeholder).join(localSecretValue(label));
        const [cmd, ...args] = ZKCLI as [string, ...string[]];
        // A /demo left by an interrupted run would change what the session prints: remove it first, as the operator.
        await exec(cmd, args, `addauth digest dsp-operator:${localSecretValue('zookeeper/dsp-operator')}\ndeleteall /demo\nquit\n`);
        result = await exec(cmd, args, `${session}\n`);
      } else {
        result = await exec('bash', ['-eo', 'pipefail', '-c', block.body]);
      }
      ran.push(`${block.page}:${block.line}`);
      if (result.code !== 0) throw new Error(`exit ${result.code}:\n${result.output.slice(-4000)}`);
      for (const wanted of block.expect) {
        if (!result.output.includes(wanted)) throw new Error(`the output lacks "${wanted}":\n${result.output.slice(-4000)}`);
      }
    },
    300_000,
  );
});
