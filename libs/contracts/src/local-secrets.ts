import { createHash, createHmac, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

let cachedSeed: { path: string; seed: Buffer } | undefined;

/** The repository root: the nearest directory above this file that holds `nx.json` (source or dist). */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

/** The local stack's directory: `STACK_DIR`, else `<repo>/.stack` (the same rule as `infra/stack`). */
export function localStackDir(): string {
  return resolve(process.env['STACK_DIR'] ?? join(repoRoot(), '.stack'));
}

/** Where this stack's secret seed lives. */
export function localSecretSeedPath(): string {
  return join(localStackDir(), 'secrets', 'seed');
}

/**
 * The seed every local secret is derived from: 32 random bytes, made on first
 * use. Two processes racing to make it agree on one (the file is published
 * with a hard link, which fails if another process got there first).
 */
function seed(): Buffer {
  // Checked before the cache: a process that derived a secret and then switched profile must not go on.
  const profile = process.env['PLATFORM_PROFILE'];
  if (profile !== undefined && profile !== '' && profile !== 'local')
    throw new Error(
      `a local-stack secret was asked for with PLATFORM_PROFILE=${profile}: only the local profile derives secrets; set the identity explicitly (docs/security.md)`,
    );
  const path = localSecretSeedPath();
  if (cachedSeed?.path === path) return cachedSeed.seed;
  if (!existsSync(path)) publishSeed(path);
  let hex = readFileSync(path, 'utf8').trim();
  // Published without a hard link (see publishSeed), another process may still be writing it.
  for (let i = 0; i < 20 && hex.length < 64; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    hex = readFileSync(path, 'utf8').trim();
  }
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new Error(`${path} is not a secret seed (64 hex digits): remove it and run \`npm run stack -- reset\``);
  cachedSeed = { path, seed: Buffer.from(hex, 'hex') };
  return cachedSeed.seed;
}

/**
 * Makes the seed file unless it exists: written to a temporary file and
 * published with a hard link (atomic, and it fails if another process got
 * there first), or on a file system without hard links with an exclusive
 * create. The stack directory is made private (0700) on the way.
 */
function publishSeed(path: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dirname(dir), 0o700);
  const value = randomBytes(32).toString('hex') + '\n';
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, value, { mode: 0o600 });
  try {
    linkSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
    try {
      writeFileSync(path, value, { mode: 0o600, flag: 'wx' });
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw e2;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

function derive(label: string): Buffer {
  return createHmac('sha256', seed()).update(`dsp-local-secret/v1/${label}`).digest();
}

/**
 * One secret of the local stack, e.g. `localSecret('redis/gateway')`: 32
 * URL-safe characters derived from this stack's seed.
 *
 * Guarantees: every process of one stack (the stack manager, the services,
 * tests, benchmarks) gets the same value for the same label without talking
 * to each other; two stacks (two clones, or one after `npm run stack --
 * reset`) share no secret; nothing is derived unless `PLATFORM_PROFILE` is
 * unset or `local` (it throws: production sets every secret explicitly). `npm run stack -- secret <label>` prints one.
 */
export function localSecret(label: string): string {
  return derive(label).toString('base64url').slice(0, 32);
}

/** An Ed25519 key pair of the local stack (base64 DER: PKCS#8 private, SPKI public), derived like {@link localSecret}. */
export function localEd25519(label: string): { privateKey: string; publicKey: string } {
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, derive(label)]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return {
    privateKey: der.toString('base64'),
    publicKey: createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

/** A short fingerprint of this stack's seed (never the seed): lets the stack tell whether its data was provisioned with it. */
export function localSecretsFingerprint(): string {
  return createHash('sha256').update(seed()).digest('hex').slice(0, 16);
}

/**
 * `identity` with a `password` that is this stack's `<server>/<user or name>` secret,
 * read when first asked for (so importing an identity table never touches the
 * seed, and production, which sets passwords explicitly, never derives one).
 */
export function withLocalPassword<const T extends { readonly user: string } | { readonly name: string }>(
  server: string,
  identity: T,
): T & { readonly password: string } {
  const who = 'user' in identity ? identity.user : identity.name;
  return Object.defineProperty({ ...identity }, 'password', {
    enumerable: true,
    get: () => localSecret(`${server}/${who}`),
  }) as T & { readonly password: string };
}
