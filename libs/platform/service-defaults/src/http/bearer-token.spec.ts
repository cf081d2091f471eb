import { bearerTokenMatches } from './bearer-token';

describe('bearerTokenMatches', () => {
  const token = 'local-admin-token-change-me';

  it('should accept exactly "Bearer <token>", the scheme in any case', () => {
    expect(bearerTokenMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerTokenMatches(`bearer ${token}`, token)).toBe(true);
  });

  it.each([
    ['a bare token without the scheme', token],
    ['another scheme', `Basic ${token}`],
    ['a wrong token', 'Bearer local-admin-token-change-mE'],
    ['a prefix of the token', `Bearer ${token.slice(0, -1)}`],
    ['trailing garbage', `Bearer ${token} x`],
    ['no header', undefined],
    ['an empty token', 'Bearer '],
  ])('should refuse %s', (_what, header) => {
    expect(bearerTokenMatches(header, token)).toBe(false);
  });
});
