import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHasherOptions {
  /** log2 of scrypt's CPU/memory cost N. OWASP's minimum is N=2^17. @default 17 */
  logN: number;
  /** Block size r. @default 8 */
  r: number;
  /** Parallelism p. @default 1 */
  p: number;
  /** Salt bytes. @default 16 */
  saltBytes: number;
  /** Derived key bytes. @default 32 */
  keyBytes: number;
}

/** OWASP Password Storage Cheat Sheet minimum for scrypt: N=2^17, r=8, p=1. */
export const DEFAULT_PASSWORD_HASHER_OPTIONS: PasswordHasherOptions = { logN: 17, r: 8, p: 1, saltBytes: 16, keyBytes: 32 };

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * Hashes passwords with Node's scrypt (on the libuv thread pool, so the event
 * loop keeps serving). The stored form names its parameters,
 * `$scrypt$ln=17,r=8,p=1$<salt>$<key>`, so hashes made with older parameters
 * still verify and `needsRehash` says when to upgrade one at the next login.
 * Comparison is constant-time.
 */
export class PasswordHasher {
  readonly options: PasswordHasherOptions;

  constructor(options: Partial<PasswordHasherOptions> = {}) {
    this.options = { ...DEFAULT_PASSWORD_HASHER_OPTIONS, ...options };
    const { logN, r, p } = this.options;
    if (!Number.isInteger(logN) || logN < 10 || logN > 22) throw new Error(`PasswordHasher: logN must be 10..22, got ${logN}`);
    if (r < 1 || p < 1) throw new Error('PasswordHasher: r and p must be >= 1');
  }

  async hash(password: string): Promise<string> {
    const { logN, r, p, saltBytes, keyBytes } = this.options;
    const salt = randomBytes(saltBytes);
    const key = await scryptAsync(password, salt, keyBytes, this.scryptOptions(logN, r, p));
    return `$scrypt$ln=${logN},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** True when `password` matches `stored`; false (never a throw) for a malformed hash. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const key = await scryptAsync(password, parsed.salt, parsed.key.length, this.scryptOptions(parsed.logN, parsed.r, parsed.p));
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  }

  /** True when `stored` was made with weaker parameters than the current ones. */
  needsRehash(stored: string): boolean {
    const parsed = parse(stored);
    return !parsed || parsed.logN < this.options.logN || parsed.r < this.options.r || parsed.p < this.options.p;
  }

  private scryptOptions(logN: number, r: number, p: number): ScryptOptions {
    const N = 2 ** logN;
    return { N, r, p, maxmem: 128 * N * r * p + 16 * 1024 * 1024 };
  }
}

function parse(stored: string): { logN: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return undefined;
  return {
    logN: Number(m[1]),
    r: Number(m[2]),
    p: Number(m[3]),
    salt: Buffer.from(m[4] as string, 'base64url'),
    key: Buffer.from(m[5] as string, 'base64url'),
  };
}
