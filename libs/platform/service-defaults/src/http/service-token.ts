import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** What a service token says: who sent it, to whom, and for how long it holds (epoch seconds). */
export interface ServiceTokenClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

const PREFIX = 'v1.';

/** The longest lifetime a token may claim; a longer one (a leaked key minting long-lived tokens) is refused. */
export const MAX_LIFETIME_SECONDS = 300;

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

/**
 * Signs this service's tokens with its Ed25519 key, one per audience, and
 * reuses each until half its lifetime is left, so a call costs a map lookup,
 * not a signature.
 */
export class ServiceTokenSigner {
  private readonly key: KeyObject;
  /** The public half of the key, base64 DER SPKI (what verifiers must trust). */
  readonly publicKey: string;
  private readonly cache = new Map<string, { token: string; renewAt: number }>();

  /**
   * @param issuer      this service's name (the token's `iss`)
   * @param privateKey  base64 DER PKCS#8 Ed25519 key
   * @param ttlSeconds  token lifetime (default 60)
   */
  constructor(
    readonly issuer: string,
    privateKey: string,
    private readonly ttlSeconds = 60,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' });
    if (this.key.asymmetricKeyType !== 'ed25519')
      throw new Error(`the HTTP key of ${issuer} is ${this.key.asymmetricKeyType}, not ed25519`);
    if (ttlSeconds > MAX_LIFETIME_SECONDS) throw new Error(`a service token may live at most ${MAX_LIFETIME_SECONDS} s`);
    this.publicKey = createPublicKey(this.key).export({ type: 'spki', format: 'der' }).toString('base64');
  }

  /** A valid token for calls to `audience`. */
  tokenFor(audience: string): string {
    const now = this.now();
    const hit = this.cache.get(audience);
    if (hit && now < hit.renewAt) return hit.token;
    const iat = Math.floor(now / 1000);
    const claims: ServiceTokenClaims = { iss: this.issuer, aud: audience, iat, exp: iat + this.ttlSeconds };
    const body = `${PREFIX}${b64url(Buffer.from(JSON.stringify(claims)))}`;
    const token = `${body}.${b64url(sign(null, Buffer.from(body), this.key))}`;
    this.cache.set(audience, { token, renewAt: now + (this.ttlSeconds * 1000) / 2 });
    return token;
  }
}

/** Why a token was refused; the message is safe to show to the caller. */
export class ServiceTokenError extends Error {}

/**
 * Checks service tokens addressed to this service: well formed, signed by a
 * key of the service it names as issuer, addressed to this service, and
 * within its lifetime (with `skewSeconds` of clock skew either way), which may
 * not exceed {@link MAX_LIFETIME_SECONDS}. A token
 * that passed is remembered until it expires (at most `cacheSize` of them),
 * so a caller's repeated token costs one signature check, not one per request.
 */
export class ServiceTokenVerifier {
  private readonly keys = new Map<string, KeyObject[]>();
  private readonly verified = new Map<string, ServiceTokenClaims>();

  /**
   * @param audience    this service's name; a token for another audience is refused
   * @param publicKeys  per issuer, its base64 DER SPKI Ed25519 keys
   */
  constructor(
    readonly audience: string,
    publicKeys: Readonly<Record<string, readonly string[]>>,
    private readonly skewSeconds = 5,
    private readonly cacheSize = 1024,
    private readonly now: () => number = Date.now,
  ) {
    for (const [issuer, list] of Object.entries(publicKeys))
      this.keys.set(
        issuer,
        list.map((k) => createPublicKey({ key: Buffer.from(k, 'base64'), format: 'der', type: 'spki' })),
      );
  }

  /** The token's claims, or a {@link ServiceTokenError} saying why it is refused. */
  verify(token: string | undefined): ServiceTokenClaims {
    if (token === undefined || token === '') throw new ServiceTokenError('a service token is required');
    const nowS = this.now() / 1000;
    const cached = this.verified.get(token);
    if (cached) {
      if (nowS <= cached.exp + this.skewSeconds) return cached;
      this.verified.delete(token);
      throw new ServiceTokenError('the service token has expired');
    }
    const dot = token.lastIndexOf('.');
    if (!token.startsWith(PREFIX) || dot <= PREFIX.length) throw new ServiceTokenError('the service token is malformed');
    const body = token.slice(0, dot);
    let claims: ServiceTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body.slice(PREFIX.length), 'base64url').toString('utf8')) as ServiceTokenClaims;
    } catch {
      throw new ServiceTokenError('the service token is malformed');
    }
    if (
      typeof claims !== 'object' ||
      claims === null ||
      typeof claims.iss !== 'string' ||
      typeof claims.aud !== 'string' ||
      typeof claims.iat !== 'number' ||
      typeof claims.exp !== 'number'
    )
      throw new ServiceTokenError('the service token is malformed');
    const keys = this.keys.get(claims.iss);
    if (!keys) throw new ServiceTokenError(`unknown issuer "${claims.iss}"`);
    if (claims.exp - claims.iat > MAX_LIFETIME_SECONDS)
      throw new ServiceTokenError(`the service token lives longer than ${MAX_LIFETIME_SECONDS} s`);
    const sigText = token.slice(dot + 1);
    const signature = Buffer.from(sigText, 'base64url');
    // One spelling per signature: base64url decoding ignores stray characters, which would
    // otherwise make endless distinct "valid" tokens (and flush the cache below).
    if (b64url(signature) !== sigText) throw new ServiceTokenError('the service token is malformed');
    if (!keys.some((k) => verify(null, Buffer.from(body), k, signature)))
      throw new ServiceTokenError(`the service token is not signed by ${claims.iss}`);
    if (claims.aud !== this.audience) throw new ServiceTokenError(`the service token is for ${claims.aud}, not ${this.audience}`);
    if (claims.iat > nowS + this.skewSeconds) throw new ServiceTokenError('the service token is not valid yet');
    if (nowS > claims.exp + this.skewSeconds) throw new ServiceTokenError('the service token has expired');
    if (this.verified.size >= this.cacheSize) {
      for (const [t, c] of this.verified) if (nowS > c.exp + this.skewSeconds) this.verified.delete(t);
      if (this.verified.size >= this.cacheSize) this.verified.clear();
    }
    this.verified.set(token, claims);
    return claims;
  }
}
