import { execFile, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import {
  composeDir,
  ensureHadolint,
  KAFKA_NODES,
  MYSQL_INSTANCES,
  REDIS,
  REPO_ROOT,
  run,
  writeComposeFiles,
  ZK_SERVERS,
} from '@dsp/infra-stack';

/**
 * The Dockerfile cannot be built here (no Docker engine), so its steps run
 * natively: each stage gets a directory of its own, `COPY` copies (from the
 * build context `.dockerignore` leaves, or from an earlier stage's directory),
 * `RUN` runs in `sh` as root, or as the stage's `USER` after one, with the
 * stage's environment only; files stay root-owned; `ENV` and `CMD` are kept; then the app the
 * last stage holds is started with the environment docker-compose gives a
 * user-service container (its hosts mapped to the native stack's ports), with
 * the image's `PLATFORM_PROFILE=production`, and must get ready. Container
 * paths in a `RUN` (`/app`, `/src`) are the stages' `WORKDIR`s, mapped to
 * their directories.
 */
const UID = 1000;
const DOCKERFILE = join(REPO_ROOT, 'Dockerfile');

interface Instruction {
  op: string;
  args: string;
}

function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

interface Stage {
  name: string;
  dir: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  cmd?: string[];
}

/** The build context as `.dockerignore` makes it: an allow-list (`*`, then `!path`), minus its double-star patterns. */
const DOCKERIGNORE = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.length > 0 && !l.startsWith('#'));

function inContext(repoPath: string): boolean {
  if (DOCKERIGNORE[0] !== '*') throw new Error('.dockerignore is expected to start with `*` (an allow-list)');
  const allowed = DOCKERIGNORE.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
  const excluded = DOCKERIGNORE.filter((l) => l.startsWith('**/')).map(
    (l) => new RegExp(`${l.slice(3).replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`),
  );
  return allowed.some((a) => repoPath === a || repoPath.startsWith(`${a}/`)) && !excluded.some((re) => re.test(repoPath));
}

function contextFilter(src: string): boolean {
  const rel = src.slice(REPO_ROOT.length + 1);
  return (
    !src.startsWith(`${REPO_ROOT}/`) ||
    rel === '' ||
    inContext(rel) ||
    DOCKERIGNORE.some((l) => l.startsWith('!') && l.slice(1).replace(/\/$/, '').startsWith(`${rel}/`))
  );
}

/**
 * A RUN step with only the stage's environment (as in a container, not this process'): as root
 * before the stage's USER, as that uid after it; `sh -c`, as Docker runs it; 10 minutes at most.
 */
function runStep(command: string, cwd: string, env: Record<string, string>, uid: number | undefined): Promise<void> {
  const argv =
    uid === undefined
      ? ['sh', '-c', command]
      : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', 'sh', '-c', command];
  return new Promise((resolve, reject) => {
    execFile(
      argv[0] as string,
      argv.slice(1),
      { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000, killSignal: 'SIGKILL' },
      (err, _stdout, stderr) => (err ? reject(new Error(`RUN ${command} failed: ${err.message}\n${stderr}`)) : resolve()),
    );
  });
}

async function buildNatively(root: string): Promise<Stage[]> {
  const stages: Stage[] = [];
  // Files stay root-owned, as in an image; the app's user may only traverse and read them.
  chmodSync(root, 0o755);
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  const baseEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home };
  const at = (s: Stage, p: string) => join(s.dir, p.startsWith('/') ? p : join(s.workdir, p));
  for (const { op, args } of instructions(readFileSync(DOCKERFILE, 'utf8'))) {
    const stage = stages.at(-1);
    if (op === 'FROM') {
      const name = / AS (\S+)$/i.exec(args)?.[1] ?? String(stages.length);
      const dir = join(root, `stage-${stages.length}`);
      mkdirSync(dir, { recursive: true });
      stages.push({ name, dir, workdir: '/', env: {} });
      continue;
    }
    if (!stage) throw new Error(`${op} before FROM`);
    if (op === 'WORKDIR') {
      stage.workdir = args;
      mkdirSync(at(stage, args), { recursive: true });
    } else if (op === 'ENV') {
      for (const m of args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) stage.env[m[1] as string] = m[2] as string;
    } else if (op === 'COPY') {
      const words = args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      const dest = paths.pop() as string;
      const source = from === undefined ? undefined : stages.find((s) => s.name === from);
      for (const p of paths) {
        if (!source && !inContext(p)) throw new Error(`COPY ${p}: not in the build context (.dockerignore); docker build would fail`);
        const src = source ? at(source, p) : join(REPO_ROOT, p);
        const target = dest.endsWith('/') ? join(at(stage, dest), p.split('/').at(-1) as string) : at(stage, dest);
        mkdirSync(dirname(target), { recursive: true });
        cpSync(src, target, { recursive: true, filter: contextFilter });
      }
    } else if (op === 'RUN') {
      const mapped = stages.reduce(
        (cmd, s) =>
          s === stage && s.workdir !== '/'
            ? cmd.replace(new RegExp(`(^|[\\s'"=])${s.workdir}(?=/|\\s|$)`, 'g'), `$1${at(s, s.workdir)}`)
            : cmd,
        args,
      );
      const uid = stage.user === undefined ? undefined : Number(stage.user.split(':')[0]);
      await runStep(mapped, at(stage, stage.workdir), { ...baseEnv, ...stage.env }, uid);
    } else if (op === 'USER') {
      stage.user = args;
    } else if (op === 'CMD') {
      stage.cmd = JSON.parse(args) as string[];
    } else if (op !== 'EXPOSE') {
      throw new Error(`the native run does not know ${op}: teach it, or keep the Dockerfile to FROM/WORKDIR/ENV/COPY/RUN/USER/EXPOSE/CMD`);
    }
  }
  return stages;
}

interface ComposedService {
  command: string[];
  environment: Record<string, string>;
}

/** A container's address -> the native stack's: what docker-compose's network gives, on loopback. */
function nativeAddresses(value: string): string {
  let v = value;
  for (const s of ZK_SERVERS) v = v.replaceAll(`zk${s.myid}:2181`, `127.0.0.1:${s.clientPort}`);
  for (const n of KAFKA_NODES) v = v.replaceAll(`kafka${n.nodeId}:19092`, `127.0.0.1:${n.brokerPort}`);
  for (const m of MYSQL_INSTANCES) v = v.replaceAll(`${m.name}:3306`, `127.0.0.1:${m.port}`);
  return v.replaceAll('redis://redis:6379', `redis://127.0.0.1:${REDIS.port}`);
}

describe('Dockerfile', () => {
  it('should pass hadolint, which refuses a bad one (the check can fail)', async () => {
    const hadolint = await ensureHadolint();
    await expect(run(hadolint, [DOCKERFILE])).resolves.toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'dsp-hadolint-'));
    const bad = join(dir, 'Dockerfile');
    writeFileSync(bad, 'FROM node:latest\nRUN cd /tmp && npm install\n');
    const { stdout } = await run('bash', ['-c', `"${hadolint}" "${bad}" 2>&1; echo "exit=$?"`]).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );
    expect(stdout).toMatch(/DL3007[\s\S]*exit=1/);
  });

  describe('when its steps run natively as the image user, and the app starts with docker-compose environment', () => {
    const root = mkdtempSync(join(tmpdir(), 'dsp-dockerfile-'));
    let app: ReturnType<typeof spawn> | undefined;
    let runtime: Stage | undefined;
    let composed: Record<string, ComposedService> = {};

    afterAll(async () => {
      if (app && app.exitCode === null && app.signalCode === null) {
        const gone = new Promise((r) => app?.once('exit', r));
        app.kill('SIGTERM');
        await gone;
      }
      rmSync(root, { recursive: true, force: true });
    });

    it('should build, run as a non-root user in production profile, and get ready', async () => {
      const stages = await buildNatively(root);
      runtime = stages.at(-1) as Stage;
      expect(runtime.user).toMatch(/^[1-9]\d*(:\d+)?$/);
      expect(runtime.env).toMatchObject({ PLATFORM_PROFILE: 'production', HOST: '0.0.0.0' });
      expect(runtime.cmd?.[0]).toBe('node');

      writeComposeFiles();
      const { stdout } = await run('docker-compose', [
        '--env-file',
        join(composeDir(), '.env'),
        '-f',
        join(REPO_ROOT, 'docker-compose.yml'),
        'config',
      ]);
      composed = (parse(stdout) as { services: Record<string, ComposedService> }).services;
      const svc = composed['user-service-1'];
      if (!svc) throw new Error('docker-compose.yml has no user-service-1');
      const env: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin:/bin', ...runtime.env };
      for (const [k, v] of Object.entries(svc.environment)) env[k] = nativeAddresses(String(v));
      Object.assign(env, { PORT: '0', ADVERTISE_HOST: '127.0.0.1', INSTANCE_ID: `e2e-docker-${process.pid}` });

      const cwd = join(runtime.dir, runtime.workdir);
      app = spawn('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', '--', ...svc.command], { cwd, env });
      let out = '';
      app.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      app.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`user-service did not listen within 60 s:\n${out}`)), 60_000);
        app?.once('exit', (code) => reject(new Error(`user-service exited with ${code}:\n${out}`)));
        app?.stdout?.on('data', () => {
          const m = /"url":"(http:\/\/[^"]+)","port":\d+/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      let ready = 0;
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && ready !== 200;) {
        ready = await fetch(`${url}/health/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect({ ready, log: ready === 200 ? '' : out }).toEqual({ ready: 200, log: '' });
      const status = readFileSync(`/proc/${app.pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(UID));
    }, 600_000);

    it("should run compose's one-shot init from the same image: as uid 1000, with the seed mounted read-only, and lay out the stack again", async () => {
      const init = composed['init'];
      if (!runtime || !init) throw new Error('the image was not built, or docker-compose.yml has no init service');
      // What compose mounts at STACK_DIR: .stack/compose/init, root-owned and read-only to the container's user.
      const mount = join(root, 'init-mount');
      cpSync(join(composeDir(), 'init'), mount, { recursive: true });
      for (const d of [mount, join(mount, 'secrets')]) chmodSync(d, 0o555);
      const env: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin:/bin', ...runtime.env };
      for (const [k, v] of Object.entries(init.environment)) env[k] = nativeAddresses(String(v));
      Object.assign(env, { STACK_DIR: mount, STACK_TIMEOUT_MS: '60000' });
      const { stdout } = await run('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', '--', ...init.command], {
        cwd: join(runtime.dir, runtime.workdir),
        env,
      });
      // The native stack is laid out already: the same tables, so nothing to create and nothing stale.
      expect(stdout).toMatch(/ZooKeeper: \d+ znode roots with their ACLs/);
      expect(stdout).toMatch(/Kafka: 0 topics created; all \d+ platform topics exist/);
      expect(stdout).toMatch(/Kafka: \d+ kept, 0 created, 0 deleted/);
    }, 120_000);
  });
});
