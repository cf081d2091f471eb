import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceName } from '@dsp/contracts';
import { LOG_DIR, REPO_ROOT } from './topology';

/** An app the stack can run: a service name of the contracts (`SERVICE_NAMES`, the one list of them), or the console. */
export type AppName = ServiceName | 'console';

/** One service process started from `dist/`, its JSON log in `.stack/logs/apps/<id>.log`. */
export interface AppInstance {
  id: string;
  app: AppName;
  env: NodeJS.ProcessEnv;
  /** Node's own flags before the script (e.g. `--cpu-prof`, which NODE_OPTIONS may not carry). */
  nodeArgs: string[];
  child?: ChildProcess;
  url?: string;
  logFile: string;
}

export function appInstance(app: AppName, id: string, env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): AppInstance {
  const appLogs = join(LOG_DIR, 'apps');
  mkdirSync(appLogs, { recursive: true });
  return { id, app, env: { INSTANCE_ID: id, ...env }, nodeArgs, logFile: join(appLogs, `${id}.log`) };
}

/** Starts the instance; resolves once it logged the URL it listens on (rejects, naming its log, if it exits first or takes 30 s). */
export function startApp(inst: AppInstance): Promise<void> {
  const main = join(REPO_ROOT, 'dist', 'apps', inst.app, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\``);
  const out = createWriteStream(inst.logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...inst.nodeArgs, main], {
    env: { ...process.env, ...inst.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  inst.child = child;
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${inst.id} did not start within 30 s; see ${inst.logFile}`)), 30_000);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const url = listeningUrl(buf);
      if (url !== undefined) {
        inst.url = url;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${inst.id} exited with ${code}; see ${inst.logFile}\n${buf.split('\n').slice(-5).join('\n')}`));
    });
  });
}

/**
 * The URL a service's `listening` log line announces (its `url` followed by its `port`), or
 * undefined until that line is in `log`. Other lines carry URLs too (the tracing line names
 * its collector), so a bare `"url":` would poll the wrong server.
 */
export function listeningUrl(log: string): string | undefined {
  return /"url":"(http:\/\/[^"]+)","port":\d+/.exec(log)?.[1];
}

/** Polls `/health/ready` until 200; returns its checks. */
export async function waitAppReady(inst: AppInstance, timeoutMs = 60_000): Promise<Record<string, { status: string }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${inst.url}/health/ready`);
      const body = (await res.json()) as { checks: Record<string, { status: string }> };
      if (res.status === 200) return body.checks;
      if (Date.now() > deadline) throw new Error(`${inst.id} not ready: ${JSON.stringify(body.checks)}`);
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SIGTERM (graceful drain), SIGKILL after 10 s; resolves when the process is gone. */
export function stopApp(inst: AppInstance): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!inst.child || inst.child.exitCode !== null || inst.child.signalCode !== null) return resolve();
    inst.child.once('exit', () => resolve());
    inst.child.kill('SIGTERM');
    setTimeout(() => inst.child?.kill('SIGKILL'), 10_000).unref();
  });
}
