import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TRACE_IDENTITIES, traceAuthorization } from '@dsp/contracts';
import { jarDir } from '../install';
import { run, runningPid, startDaemon, stopDaemon, waitFor } from '../proc';
import { JVM_HEAP, REPO_ROOT, STACK_DIR, VERSIONS, ZIPKIN, ZIPKIN_MAX_SPANS } from '../topology';
import { zipkinSocketPath } from '../trace-guard';
import type { ServerStatus, StackComponent } from './component';

const ZIPKIN_DAEMON = 'zipkin';
const SOCKET_DAEMON = 'zipkin-socket';
const GUARD_DAEMON = 'trace-guard';

/** The network namespace Zipkin runs in: one per stack directory, so two clones' stacks never share one. */
export function zipkinNetns(stackDir = STACK_DIR): string {
  return `dsp-zipkin-${createHash('sha1').update(stackDir).digest('hex').slice(0, 8)}`;
}

export function zipkinJar(): string {
  return join(jarDir('zipkin'), `zipkin-server-${VERSIONS.zipkin}-exec.jar`);
}

/** How to run this package's CLI: from the TypeScript sources with tsx, or from the built `dist/` (whichever this file is). */
export function stackCli(): { command: string; args: string[]; cwd: string } {
  const fromSources = __filename.endsWith('.ts');
  const cli = join(__dirname, '..', fromSources ? 'cli.ts' : 'cli.js');
  return { command: process.execPath, args: fromSources ? ['--import', 'tsx', cli] : [cli], cwd: REPO_ROOT };
}

async function netnsExists(ns: string): Promise<boolean> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').some((l) => l.split(/\s+/)[0] === ns);
}

async function guardGet(path: string, auth: string | undefined): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${ZIPKIN.port}${path}`, {
    headers: auth === undefined ? {} : { authorization: auth },
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Zipkin (in-memory storage) that nobody can reach except through the trace
 * guard. Guarantee: Zipkin listens only inside a network namespace of its own
 * (loopback only, no route out or in); the one way in is a unix socket
 * (mode 0600) bridged by socat into that namespace, and the only process that
 * uses it is the guard on 127.0.0.1, which forwards a request only with the
 * credentials of one of `TRACE_IDENTITIES` and only what that identity's right
 * allows: services `POST /api/v2/spans`, the operator reads (ADR 0021).
 * `waitReady` proves both halves: the operator gets Zipkin's health through
 * the guard, and a request without credentials gets 401.
 */
export class ZipkinComponent implements StackComponent {
  readonly name = 'zipkin';
  readonly daemons = [ZIPKIN_DAEMON, SOCKET_DAEMON, GUARD_DAEMON];
  private readonly ns = zipkinNetns();

  async prepare(): Promise<void> {
    mkdirSync(join(STACK_DIR, 'zipkin'), { recursive: true, mode: 0o700 });
    if (!(await netnsExists(this.ns))) {
      try {
        await run('ip', ['netns', 'add', this.ns]);
      } catch (e) {
        // Another `up` may have made it in between.
        if (!(await netnsExists(this.ns))) throw e;
      }
    }
    await run('ip', ['netns', 'exec', this.ns, 'ip', 'link', 'set', 'lo', 'up']);
  }

  async start(): Promise<void> {
    const jar = zipkinJar();
    if (!existsSync(jar)) throw new Error(`${jar} is missing: run \`npm run stack -- install\``);
    const sock = zipkinSocketPath();
    // `ip netns exec` enters the namespace and execs the command: the pid startDaemon records stays the server's.
    startDaemon({
      name: ZIPKIN_DAEMON,
      command: 'ip',
      args: ['netns', 'exec', this.ns, 'java', '-Xms64m', `-Xmx${JVM_HEAP.zipkin}`, `-Ddsp.stack=${STACK_DIR}`, '-jar', jar],
      env: { STORAGE_TYPE: 'mem', QUERY_PORT: String(ZIPKIN.innerPort), MEM_MAX_SPANS: String(ZIPKIN_MAX_SPANS) },
      marker: `-Ddsp.stack=${STACK_DIR}`,
    });
    startDaemon({
      name: SOCKET_DAEMON,
      command: 'ip',
      args: ['netns', 'exec', this.ns, 'socat', `UNIX-LISTEN:${sock},fork,mode=600,unlink-early`, `TCP:127.0.0.1:${ZIPKIN.innerPort}`],
      marker: `UNIX-LISTEN:${sock}`,
    });
    const cli = stackCli();
    const cliPath = cli.args[cli.args.length - 1] as string;
    startDaemon({
      name: GUARD_DAEMON,
      command: cli.command,
      args: [...cli.args, 'trace-guard'],
      cwd: cli.cwd,
      // The guard reads the identities' passwords from this stack's seed; it forwards to the socket, never elsewhere.
      env: { STACK_DIR, STACK_ZIPKIN_PORT: String(ZIPKIN.port), TRACE_GUARD_UPSTREAM: '', TRACE_GUARD_HOST: '127.0.0.1' },
      marker: `${cliPath} trace-guard`,
    });
  }

  async waitReady(timeoutMs: number): Promise<string> {
    const t0 = Date.now();
    const operator = traceAuthorization(TRACE_IDENTITIES.operator);
    await waitFor(`trace guard (:${ZIPKIN.port})`, async () => ((await guardGet('/health', undefined)) > 0 ? true : undefined), {
      timeoutMs,
      daemon: GUARD_DAEMON,
    });
    await waitFor(
      `Zipkin behind the trace guard (:${ZIPKIN.port}, netns ${this.ns})`,
      async () => {
        if (runningPid(SOCKET_DAEMON) === undefined) throw new Error(`${SOCKET_DAEMON} is not running`);
        const status = await guardGet('/health', operator);
        if (status !== 200) throw new Error(`GET /health as ${TRACE_IDENTITIES.operator.user}: ${status}`);
        return true;
      },
      { timeoutMs: Math.max(1000, timeoutMs - (Date.now() - t0)), daemon: ZIPKIN_DAEMON },
    );
    const anonymous = await guardGet('/api/v2/services', undefined);
    if (anonymous !== 401)
      throw new Error(
        `the trace guard (:${ZIPKIN.port}) answered ${anonymous} to a request without credentials, not 401: it must not be open`,
      );
    return `UP (in-memory, netns ${this.ns}), guard on :${ZIPKIN.port}`;
  }

  async stop(): Promise<void> {
    await stopDaemon(GUARD_DAEMON, 10_000);
    await stopDaemon(SOCKET_DAEMON, 5_000);
    await stopDaemon(ZIPKIN_DAEMON, 15_000);
    if (await netnsExists(this.ns).catch(() => false)) await run('ip', ['netns', 'del', this.ns]).catch(() => undefined);
  }

  async status(): Promise<ServerStatus[]> {
    const [guard, zipkin] = await Promise.all([
      guardGet('/health', undefined).catch(() => 0),
      guardGet('/health', traceAuthorization(TRACE_IDENTITIES.operator)).catch(() => 0),
    ]);
    const row = (server: string, port: number, role: string, up: boolean, detail: string): ServerStatus => ({
      server,
      port,
      pid: runningPid(server),
      role,
      health: runningPid(server) !== undefined && up ? 'up' : 'down',
      detail,
    });
    return [
      row(ZIPKIN_DAEMON, ZIPKIN.innerPort, 'trace store (in-memory)', zipkin === 200, `netns ${this.ns} only`),
      row(SOCKET_DAEMON, ZIPKIN.innerPort, 'unix socket -> netns', zipkin === 200, zipkinSocketPath()),
      row(GUARD_DAEMON, ZIPKIN.port, 'auth guard', guard === 401, guard === 401 ? 'refuses anonymous' : `anonymous got ${guard}`),
    ];
  }
}
