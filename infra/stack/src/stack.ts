import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { localSecretSeedPath, localSecretsFingerprint } from '@dsp/contracts';
import { KafkaComponent } from './components/kafka.component';
import { MariadbComponent } from './components/mariadb.component';
import { PrometheusComponent } from './components/prometheus.component';
import { RedisComponent, writeRedisAclFile } from './components/redis.component';
import { ZipkinComponent } from './components/zipkin.component';
import { ZookeeperComponent } from './components/zookeeper.component';
import type { ServerStatus, StackComponent } from './components/component';
import { installAll, missingInstalls } from './install';
import { log } from './log';
import { runningPid } from './proc';
import { CACHE_DIR, STACK_DIR } from './topology';
import { join } from 'node:path';

export const COMPONENTS: readonly StackComponent[] = [
  new ZookeeperComponent(),
  new KafkaComponent(),
  new MariadbComponent(),
  new RedisComponent(),
  new ZipkinComponent(),
  new PrometheusComponent(),
];

/** Names of every daemon in the stack. */
export function allDaemons(): string[] {
  return COMPONENTS.flatMap((c) => [...c.daemons]);
}

/** True when every daemon of the stack has a live process. */
export function stackRunning(): boolean {
  return allDaemons().every((d) => runningPid(d) !== undefined);
}

export interface UpOptions {
  install: boolean;
  timeoutMs: number;
}

/** Installs what is missing, starts every server in parallel and waits until each really serves. */
export async function up(opts: UpOptions): Promise<void> {
  const t0 = Date.now();
  if (opts.install) await installAll();
  else {
    const missing = missingInstalls();
    if (missing.length > 0)
      throw new Error(
        `up --no-install, but this machine lacks ${missing.join(', ')}: run \`npm run stack -- up\` (it installs them) or \`npm run stack -- install\``,
      );
  }
  // Private: it holds the seed every local secret is derived from, and files with passwords in them.
  mkdirSync(STACK_DIR, { recursive: true });
  chmodSync(STACK_DIR, 0o700);
  log.step(
    `preparing configs and data directories (secrets of this stack: ${localSecretSeedPath()}, fingerprint ${localSecretsFingerprint()})`,
  );
  await Promise.all(COMPONENTS.map((c) => c.prepare()));
  log.step('starting servers');
  for (const c of COMPONENTS) await c.start();
  const results = await Promise.allSettled(
    COMPONENTS.map(async (c) => {
      const summary = await c.waitReady(opts.timeoutMs);
      log.ok(`${c.name}: ${summary}`);
    }),
  );
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length > 0) {
    for (const f of failed) log.fail(f);
    throw new Error(`stack up failed: ${failed.length} part(s) did not come up (see above)`);
  }
  log.ok(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/**
 * Applies the contracts' tables to the running stack without restarting or
 * reconfiguring a server: the znode tree and its ACLs, databases and accounts,
 * topics and Kafka ACLs, Redis' ACL users (its file rewritten and loaded).
 * What `up` does after the servers answer; run it after adding a service
 * (docs/adding-a-service.md). Refuses a stack that is not running.
 */
export async function provision(timeoutMs = 30_000): Promise<void> {
  if (!stackRunning()) throw new Error('the stack is not running: `npm run stack -- up` starts it (and provisions it)');
  const t0 = Date.now();
  writeRedisAclFile();
  const results = await Promise.allSettled(
    COMPONENTS.map(async (c) => {
      const summary = await c.waitReady(timeoutMs);
      log.ok(`${c.name}: ${summary}`);
    }),
  );
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length > 0) {
    for (const f of failed) log.fail(f);
    throw new Error(`provision failed on ${failed.length} server(s) (see above)`);
  }
  log.ok(`stack provisioned in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/** Stops every server (safe when some or all are stopped already). */
export async function down(): Promise<void> {
  await Promise.all(
    COMPONENTS.map(async (c) => {
      await c.stop();
      log.ok(`${c.name} stopped`);
    }),
  );
}

/** Stops the stack and deletes its state; `all` also drops the jar cache. */
export async function reset(all: boolean): Promise<void> {
  await down();
  if (all) {
    rmSync(STACK_DIR, { recursive: true, force: true });
  } else {
    for (const entry of safeReaddir(STACK_DIR)) {
      const p = join(STACK_DIR, entry);
      if (p !== CACHE_DIR) rmSync(p, { recursive: true, force: true });
    }
  }
  log.ok(`wiped ${STACK_DIR}${all ? '' : ' (kept the jar cache)'}`);
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function status(): Promise<ServerStatus[]> {
  const rows = await Promise.all(COMPONENTS.map((c) => c.status()));
  return rows.flat();
}

export function formatStatus(rows: ServerStatus[]): string {
  const header = ['SERVER', 'PORT', 'PID', 'ROLE', 'HEALTH', 'DETAIL'];
  const table = rows.map((r) => [r.server, String(r.port), r.pid === undefined ? '-' : String(r.pid), r.role, r.health, r.detail]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const fmt = (row: string[]): string =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...table.map(fmt)].join('\n');
}
