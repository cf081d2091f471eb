import { acl, digestId, formatPerms, parsePerms, PERMS } from './acl';

describe('ACL helpers', () => {
  describe('when parsing permissions', () => {
    it('should map cdrwa letters to bits and back', () => {
      expect(parsePerms('cdrwa')).toBe(PERMS.ALL);
      expect(parsePerms('r')).toBe(PERMS.READ);
      expect(formatPerms(PERMS.READ | PERMS.WRITE)).toBe('rw');
      expect(() => parsePerms('rx')).toThrow(/unknown permission "x"/);
    });
  });

  describe('when building a digest id', () => {
    it('should be user:base64(sha1("user:password"))', () => {
      // `printf 'wukong:wukong' | openssl sha1 -binary | base64`; the integration test checks it
      // against the id ZooKeeper itself stores for an `auth` ACL after `addauth digest`.
      expect(digestId('wukong', 'wukong')).toBe('wukong:WQmNIfuurVqduzmr8lgCijYLePQ=');
    });
  });

  describe('when building entries for each scheme', () => {
    it('should produce world, auth, digest and ip entries', () => {
      expect(acl.world('r')).toEqual({ scheme: 'world', id: 'anyone', perms: 1 });
      expect(acl.auth('cdrwa')).toEqual({ scheme: 'auth', id: '', perms: 31 });
      expect(acl.digest('a', 'b', 'rw').id).toBe(digestId('a', 'b'));
      expect(acl.ip('127.0.0.1', 'r')).toEqual({ scheme: 'ip', id: '127.0.0.1', perms: 1 });
    });
  });
});
