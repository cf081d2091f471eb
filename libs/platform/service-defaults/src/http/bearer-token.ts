import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer (\S+)$/i;

/**
 * True only when `authorization` is exactly `Bearer <expected>` (RFC 6750; the
 * scheme is required, its case is not significant). The token is compared in
 * constant time over SHA-256 digests, so neither its content nor its length
 * leaks through timing.
 */
export function bearerTokenMatches(authorization: string | undefined, expected: string): boolean {
  const m = BEARER.exec(authorization ?? '');
  const given = createHash('sha256')
    .update(m?.[1] ?? '')
    .digest();
  const want = createHash('sha256').update(expected).digest();
  return timingSafeEqual(given, want) && m !== null && expected.length > 0;
}
