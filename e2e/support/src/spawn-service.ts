import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceName } from '@dsp/contracts';
import { REPO_ROOT } from '@dsp/infra-stack';

export type { ServiceName };

/** A built app that runs as a process: a service, or the console (which registers nowhere). */
export type AppName = ServiceName | 'console';

export interface SpawnedService {
  name: string;
  child: ChildProcess;
  /** Base URL, known once the service logged `listening`. */
  url: string;
  port: number;
  /** Everything the process wrote, for assertions and failure messages. */
  output(): string;
  /** Resolves with the exit code once the process exits. */
  exited: Promise<number | null>;
  /** SIGTERM and wait for exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/** A service process as it starts: output so far and its exit, nothing waited for. */
export interface LaunchedService {
  child: ChildProcess;
  output(): string;
  /** Called with each chunk of stdout/stderr as it arrives. */
  onOutput(listener: (all: string) => void): void;
  exited: Promise<number | null>;
}

/** Starts a built service (`dist/apps/<name>/src/main.js`) and returns at once. */
export function launchService(name: AppName, env: NodeJS.ProcessEnv = {}): LaunchedService {
  const main = join(REPO_ROOT, 'dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [main], { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners: ((all: string) => void)[] = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const l of listeners) l(out);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, onOutput: (l) => void listeners.push(l), exited };
}

/**
 * Runs a built service (`dist/apps/<name>/src/main.js`, from `npm run build`)
 * as a real process and resolves once it logs `listening`.
 */
export async function spawnService(name: AppName, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<SpawnedService> {
  const { child, output, onOutput, exited } = launchService(name, env);
  const listening = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    onOutput((out) => {
      const m = /"url":"(http:\/\/[^"]+)","port":(\d+)/.exec(out);
      if (m?.[1] && m[2]) {
        clearTimeout(timer);
        resolve({ url: m[1], port: Number(m[2]) });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output()}`));
    });
  });
  const { url, port } = await listening;
  return {
    name,
    child,
    url,
    port,
    output,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
