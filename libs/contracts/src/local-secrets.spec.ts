import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

type LocalSecrets = typeof import('./local-secrets');

/** A fresh copy of the module (as another process would load it), seeing `STACK_DIR=dir`. */
function load(dir: string): LocalSecrets {
  process.env['STACK_DIR'] = dir;
  let mod: LocalSecrets | undefined;
  jest.isolateModules(() => {
    mod = jest.requireActual<LocalSecrets>('./local-secrets');
  });
  return mod as LocalSecrets;
}

describe('local stack secrets', () => {
  const saved = { stackDir: process.env['STACK_DIR'], profile: process.env['PLATFORM_PROFILE'] };
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsp-secrets-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of [
      ['STACK_DIR', saved.stackDir],
      ['PLATFORM_PROFILE', saved.profile],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('should make one private seed per stack on first use and derive the same secret from it every time', () => {
    const first = load(join(dir, 'a')).localSecret('redis/gateway');
    const seedFile = join(dir, 'a', 'secrets', 'seed');
    expect(statSync(seedFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(seedFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(load(join(dir, 'a')).localSecret('redis/gateway')).toBe(first);
  });

  it('should give different labels and different stacks different secrets', () => {
    const a = load(join(dir, 'a'));
    const inA = { gateway: a.localSecret('redis/gateway'), fingerprint: a.localSecretsFingerprint() };
    expect(a.localSecret('redis/user-service')).not.toBe(inA.gateway);
    const b = load(join(dir, 'b'));
    expect(b.localSecret('redis/gateway')).not.toBe(inA.gateway);
    expect(b.localSecretsFingerprint()).not.toBe(inA.fingerprint);
  });

  it('should derive an Ed25519 pair whose public key verifies what its private key signs', () => {
    const pair = load(dir).localEd25519('http/gateway');
    const priv = createPrivateKey({ key: Buffer.from(pair.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
    const pub = createPublicKey({ key: Buffer.from(pair.publicKey, 'base64'), format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from('m'), pub, sign(null, Buffer.from('m'), priv))).toBe(true);
    expect(load(join(dir, 'other')).localEd25519('http/gateway').publicKey).not.toBe(pair.publicKey);
  });

  it('should agree on one seed when several processes make it at once', async () => {
    const script = join(dir, 'race.ts');
    require('node:fs').writeFileSync(
      script,
      `import { localSecret } from ${JSON.stringify(require.resolve('./local-secrets'))};\nconsole.log(localSecret('kafka/broker'));\n`,
    );
    const runOne = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, STACK_DIR: join(dir, 'race') } });
    const outs = await Promise.all(Array.from({ length: 4 }, runOne));
    expect(new Set(outs.map((o) => o.stdout.trim())).size).toBe(1);
    expect(load(join(dir, 'race')).localSecret('kafka/broker')).toBe(outs[0]?.stdout.trim());
  }, 30_000);

  it('should refuse to derive anything unless PLATFORM_PROFILE is unset or local, even with the seed already read', () => {
    const mod = load(dir);
    expect(mod.localSecret('redis/gateway')).toHaveLength(32);
    for (const profile of ['production', 'Production', 'prod']) {
      process.env['PLATFORM_PROFILE'] = profile;
      expect(() => mod.localSecret('redis/gateway')).toThrow(`PLATFORM_PROFILE=${profile}`);
    }
    process.env['PLATFORM_PROFILE'] = 'local';
    expect(mod.localSecret('redis/gateway')).toHaveLength(32);
  });

  it('should make the stack directory private when it makes the seed', () => {
    load(join(dir, 'private')).localSecret('x');
    expect(statSync(join(dir, 'private')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'private', 'secrets')).mode & 0o777).toBe(0o700);
  });

  it('should read a password from an identity only when it is asked for', () => {
    const mod = load(join(dir, 'lazy'));
    const id = mod.withLocalPassword('redis', { user: 'gateway', keys: ['k'] });
    expect(() => statSync(join(dir, 'lazy'))).toThrow();
    expect(id.password).toBe(mod.localSecret('redis/gateway'));
    expect({ ...id }).toEqual({ user: 'gateway', keys: ['k'], password: mod.localSecret('redis/gateway') });
  });
});
