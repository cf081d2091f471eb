import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@dsp/infra-stack';

const run = promisify(execFile);
const RULES_DIR = join(REPO_ROOT, 'infra', 'prometheus');

async function promtool(...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: REPO_ROOT });
    return { ok: true, out: stdout + stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? err.message}` };
  }
}

/**
 * The recording rules and alerts Prometheus loads (infra/prometheus/rules.yml)
 * against their unit tests (rules.test.yml), with Debian's promtool: each
 * alert fires on the series that should fire it, after its `for`, and stays
 * quiet on the healthy case. A copy of the rules with one threshold or one
 * `for` changed must fail the same tests, so the tests can fail.
 */
describe('the Prometheus rules (real promtool)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsp-prom-rules-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('should be valid rules that pass their tests', async () => {
    const check = await promtool('check', 'rules', join(RULES_DIR, 'rules.yml'));
    expect(check).toMatchObject({ ok: true, out: expect.stringContaining('SUCCESS') });
    const test = await promtool('test', 'rules', join(RULES_DIR, 'rules.test.yml'));
    expect(test).toMatchObject({ ok: true, out: expect.stringContaining('SUCCESS') });
  });

  it.each([
    [
      'a replica lag threshold of 200 s',
      'source_replica:db_replica_lag_seconds:max > 2',
      'source_replica:db_replica_lag_seconds:max > 200',
    ],
    ['a ReplicaLagging `for` of 10 minutes', /(alert: ReplicaLagging[\s\S]*?for: )10s/, '$110m'],
  ])('should fail its tests once the rules say %s', async (_what, from, to) => {
    const original = readFileSync(join(RULES_DIR, 'rules.yml'), 'utf8');
    const mutated = original.replace(from, to);
    expect(mutated).not.toBe(original);
    writeFileSync(join(dir, 'rules.yml'), mutated);
    copyFileSync(join(RULES_DIR, 'rules.test.yml'), join(dir, 'rules.test.yml'));
    expect(await promtool('check', 'rules', join(dir, 'rules.yml'))).toMatchObject({ ok: true });
    const test = await promtool('test', 'rules', join(dir, 'rules.test.yml'));
    expect(test.ok).toBe(false);
    expect(test.out).toMatch(/ReplicaLagging/);
  });
});
