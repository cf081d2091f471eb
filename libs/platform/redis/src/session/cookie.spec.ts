import { parseCookies, serializeCookie } from './cookie';

describe('cookies', () => {
  describe('when parsing a Cookie header', () => {
    it('should read every pair, keep the first of a repeated name, and skip junk', () => {
      const c = parseCookies('a=1; b="two"; junk; a=3; c=x%20y');
      expect([...c]).toEqual([
        ['a', '1'],
        ['b', 'two'],
        ['c', 'x y'],
      ]);
    });

    it('should return an empty map without a header', () => {
      expect(parseCookies(undefined).size).toBe(0);
    });
  });

  describe('when serializing', () => {
    it('should emit every attribute asked for', () => {
      expect(serializeCookie('sid', 'abc', { httpOnly: true, sameSite: 'Lax', maxAgeSeconds: 60 })).toBe(
        'sid=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax',
      );
    });

    it('should refuse a __Host- cookie that is not Secure', () => {
      expect(() => serializeCookie('__Host-sid', 'abc', { secure: false })).toThrow('must be Secure');
      expect(serializeCookie('__Host-sid', 'abc', { secure: true })).toBe('__Host-sid=abc; Path=/; Secure');
    });

    it('should refuse values that are not URL-safe', () => {
      expect(() => serializeCookie('sid', 'a;b')).toThrow('URL-safe');
    });
  });
});
