import { createHash, timingSafeEqual } from 'node:crypto';

/** The user and password of an `Authorization: Basic` header (RFC 7617). */
export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** The credentials of an `Authorization: Basic` header, or why there are none. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | { malformed: string } {
  if (header === undefined || header === '') return { malformed: 'no Authorization header (HTTP basic credentials are required)' };
  const m = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m?.[1]) return { malformed: 'the Authorization header is not HTTP basic (`Basic <base64 of user:password>`)' };
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { malformed: 'the basic credentials are not `user:password`' };
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * The identity these credentials are, or undefined. Every identity is
 * compared, user and password, in constant time (of equal-length digests):
 * neither the time taken nor an early exit says which part was wrong, nor
 * which identity was tried.
 */
export function identifyBasic<T extends BasicCredentials>(creds: BasicCredentials, identities: readonly T[]): T | undefined {
  const u = digest(creds.user);
  const p = digest(creds.password);
  let found: T | undefined;
  for (const id of identities) {
    const userOk = timingSafeEqual(u, digest(id.user));
    const passwordOk = timingSafeEqual(p, digest(id.password));
    if (userOk && passwordOk && found === undefined) found = id;
  }
  return found;
}
