import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DIR, RUN_DIR } from './topology';

export interface DaemonSpec {
  /** Unique server name, e.g. `zk-1`; names the pid and log files. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A string that appears in the process's command line, to tell our process from a recycled pid. */
  marker: string;
}

export function logFileOf(name: string): string {
  return join(LOG_DIR, `${name}.log`);
}

function pidFileOf(name: string): string {
  return join(RUN_DIR, `${name}.pid`);
}

function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

function stateOf(pid: number): string | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) S ..." -- the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The pid of a running daemon we started, or undefined (stale pid files are ignored). */
export function runningPid(name: string): number | undefined {
  const file = pidFileOf(name);
  if (!existsSync(file)) return undefined;
  const [pidText, marker] = readFileSync(file, 'utf8').split('\n');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const cmdline = cmdlineOf(pid);
  if (cmdline === undefined || !marker || !cmdline.includes(marker)) return undefined;
  const state = stateOf(pid);
  if (state === 'Z' || state === 'X') return undefined;
  return pid;
}

/** Starts a server detached from this process (its own process group), logging to `.stack/logs/<name>.log`. */
export function startDaemon(spec: DaemonSpec): number {
  mkdirSync(LOG_DIR, { recursive: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const existing = runningPid(spec.name);
  if (existing !== undefined) return existing;
  const fd = openSync(logFileOf(spec.name), 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    child.unref();
    writeFileSync(pidFileOf(spec.name), `${child.pid}\n${spec.marker}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`. Safe to call when the server is not running. */
export async function stopDaemon(name: string, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  const pid = runningPid(name);
  rmSync(pidFileOf(name), { force: true });
  if (pid === undefined) return 'not-running';
  try {
    process.kill(pid, 'SIGCONT'); // a server frozen by a fault test must be able to exit
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not-running';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (cmdlineOf(pid) === undefined || stateOf(pid) === 'Z') return 'stopped';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  return 'killed';
}

/** Kills a daemon with SIGKILL, leaving its pid file so a later `start` replaces it (fault tests). */
export function killDaemon(name: string, signal: NodeJS.Signals = 'SIGKILL'): number | undefined {
  const pid = runningPid(name);
  if (pid !== undefined) process.kill(pid, signal);
  return pid;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns its output; rejects with the output on failure. */
export function run(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env: { ...process.env, ...opts.env }, cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 0 },
      (err, stdout, stderr) => {
        if (err) {
          const e = new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}`.trim());
          reject(e);
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** The daemon whose death means waiting is pointless. */
  daemon?: string;
}

/**
 * Polls `check` until it returns a value (not undefined) or the time runs out.
 * Fails early, naming the log, when the daemon it waits for has exited.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = (e as Error).message.split('\n')[0] ?? '';
    }
    if (opts.daemon !== undefined && runningPid(opts.daemon) === undefined) {
      throw new Error(`${what}: ${opts.daemon} exited; see ${logFileOf(opts.daemon)}`);
    }
    if (Date.now() > deadline) {
      const where = opts.daemon !== undefined ? `; see ${logFileOf(opts.daemon)}` : '';
      throw new Error(`${what}: not ready after ${opts.timeoutMs / 1000}s${lastError ? ` (last error: ${lastError})` : ''}${where}`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}
