import { createHash, randomBytes } from 'node:crypto';

/** Bytes of randomness in a session id (256 bits; OWASP asks for at least 64 bits of entropy). */
export const SESSION_ID_BYTES = 32;

/** A new session id: 32 random bytes from the CSPRNG, base64url (43 characters). */
export function newSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url');
}

/**
 * The session's handle: a SHA-256 of its id. Redis keys, logs, and the
 * "my sessions" list use the handle, so neither a Redis dump nor a log line
 * holds a usable session id.
 */
export function sessionHandle(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** True when `id` has the shape of an id this module issues (checked before touching Redis). */
export function isWellFormedSessionId(id: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(id);
}
