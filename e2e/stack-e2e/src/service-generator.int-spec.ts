import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { znodePaths } from '@dsp/contracts';
import { removeService, REPO_ROOT, run, STACK_DIR } from '@dsp/infra-stack';
import { connectedZk, mysqlAdmin, redisAs } from '@dsp/testing';

/**
 * `npx nx g @dsp/workspace:service` as a person forking the platform runs it:
 * into a copy of this working tree, then the new service's lint, the
 * workspace's typecheck, the unit tests of every project the generator
 * touched, `stack provision` and the new service's e2e suite against this
 * stack, with no hand edit in between. Afterwards `stack remove-service`
 * takes back everything it was given, and the test checks that nothing is left.
 *
 * Budget: {@link BUDGET_MS} for the whole run (about 70 s on the 2-core machine: the copy's
 * Nx cache starts cold); each step prints its time.
 */
const SERVICE = 'gen-probe-service';
const RESOURCES = { service: SERVICE, databases: ['gen_probe_db'], dbAccount: 'gen_probe_svc' } as const;
const PROJECTS = [SERVICE, 'domain-gen-probe', 'gen-probe-e2e'];
/** Projects whose files the generator edits, or whose tests read what it edits (tables, docs, compose). */
const TOUCHED = ['contracts', 'load-kit', 'workspace', 'infra-stack', 'gateway', 'platform-redis'];
const BUDGET_MS = 8 * 60_000;

/** The environment of a person's shell: none of the outer Nx task's or Jest worker's variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NX_|JEST_)/.test(k)));
  return { ...env, NODE_ENV: '', FORCE_COLOR: '0', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', STACK_DIR };
}

const timings: string[] = [];

function step(cwd: string, label: string, command: string, args: string[], timeoutMs = 4 * 60_000): Promise<string> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const took = `${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`;
      timings.push(took);
      process.stdout.write(`[service-generator] ${took}\n`);
      if (err) reject(new Error(`${label} failed (${command} ${args.join(' ')}):\n${stdout.slice(-6000)}\n${stderr.slice(-3000)}`));
      else resolve((stdout + stderr).replace(/\x1b\[[0-9;]*m/g, '')); // eslint-disable-line no-control-regex
    });
  });
}

/** This working tree's files (tracked and untracked, not ignored) copied to a fresh directory; node_modules linked. */
async function copyOfRepo(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-generated-'));
  const { stdout } = await run('git', ['-C', REPO_ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  for (const rel of new Set(stdout.split('\0').filter(Boolean))) {
    const from = join(REPO_ROOT, rel);
    if (!existsSync(from) || lstatSync(from).isDirectory()) continue; // deleted in the working tree, or a submodule
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    copyFileSync(from, join(dir, rel));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** What the stack still holds of the probe service, as one line per leftover. */
async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  const zk = await connectedZk({}, 'generator-leftovers');
  try {
    for (const p of znodePaths.ownedBy(SERVICE)) if (await zk.exists(p)) found.push(`znode ${p}`);
  } finally {
    await zk.close();
  }
  const redis = redisAs('generator-leftovers');
  await redis.start();
  try {
    if ((await redis.client.call('ACL', 'GETUSER', SERVICE)) !== null) found.push(`redis user ${SERVICE}`);
  } finally {
    await redis.close();
  }
  for (const server of ['mysql-c0-primary', 'mysql-c0-replica', 'mysql-c1-primary', 'mysql-c1-replica']) {
    for (const db of RESOURCES.databases)
      if ((await mysqlAdmin.query(server, 'SHOW DATABASES LIKE ?', [db])).length > 0) found.push(`database ${db} on ${server}`);
    if ((await mysqlAdmin.query(server, 'SELECT 1 FROM mysql.user WHERE User = ?', [RESOURCES.dbAccount])).length > 0)
      found.push(`account ${RESOURCES.dbAccount} on ${server}`);
  }
  return found;
}

describe('a service generated into a copy of the repository', () => {
  let copy: string;

  beforeAll(async () => {
    await removeService(RESOURCES); // a run that crashed may have left it behind
    copy = await copyOfRepo();
  }, 60_000);

  afterAll(async () => {
    await removeService(RESOURCES);
    if (copy) rmSync(copy, { recursive: true, force: true });
    process.stdout.write(`[service-generator] ${timings.join('; ')}\n`);
  }, 60_000);

  it(
    "should pass its lint, the typecheck, the touched projects' unit tests and its e2e suite against the stack, with no hand edit",
    async () => {
      const out = await step(copy, 'generate', 'npx', ['nx', 'g', '@dsp/workspace:service', SERVICE, '--no-interactive']);
      expect(out).toContain(`CREATE apps/${SERVICE}/src/main.ts`);
      expect(out).toContain('UPDATE libs/contracts/src/service-instance.ts');

      await step(copy, 'prettier', 'npx', ['prettier', '--check', '.']);
      await step(copy, 'lint', 'npx', ['nx', 'run-many', '-t', 'lint', '-p', [...PROJECTS, ...TOUCHED].join(','), '--outputStyle=static']);
      await step(copy, 'typecheck', 'npx', ['nx', 'run', 'workspace:typecheck', '--outputStyle=static']);
      const unit = await step(copy, 'unit tests', 'npx', [
        'nx',
        'run-many',
        '-t',
        'test',
        '-p',
        [SERVICE, 'domain-gen-probe', ...TOUCHED].join(','),
        '--outputStyle=static',
      ]);
      expect(unit).toMatch(/Successfully ran target test for 8 projects/);

      await step(copy, 'stack provision', 'npx', ['tsx', 'infra/stack/src/cli.ts', 'provision']);
      await step(copy, 'e2e', 'npx', ['nx', 'run', 'gen-probe-e2e:int', '--outputStyle=static'], 5 * 60_000);
      const results = JSON.parse(readFileSync(join(copy, 'tmp', 'jest', 'gen-probe-e2e.int.json'), 'utf8')) as {
        numPassedTests: number;
        numFailedTests: number;
      };
      expect(results.numFailedTests).toBe(0);
      expect(results.numPassedTests).toBeGreaterThanOrEqual(4);
    },
    BUDGET_MS,
  );

  it('should take back everything the service was given on the stack, and leave nothing behind', async () => {
    const removed = await removeService(RESOURCES);
    expect(removed).toEqual(
      expect.arrayContaining([
        `zookeeper: deleted ${znodePaths.service(SERVICE)} (1 node)`,
        `redis: deleted ACL user ${SERVICE}`,
        'mariadb: dropped gen_probe_db on mysql-c0-primary',
        `mariadb: dropped account ${RESOURCES.dbAccount}@127.0.0.1 on mysql-c0-primary`,
      ]),
    );
    expect(await leftovers()).toEqual([]);
    expect(readFileSync(join(STACK_DIR, 'redis', 'users.acl'), 'utf8')).not.toContain(`user ${SERVICE} `);
  });
});
