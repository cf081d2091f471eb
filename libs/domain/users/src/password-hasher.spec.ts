import { DEFAULT_PASSWORD_HASHER_OPTIONS, PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  // Four scrypt hashes at N=2^17 are ~1.5 s of CPU on a quiet core; with a core busy they passed Jest's 5 s default.
  jest.setTimeout(60_000);

  it("should default to at least OWASP's scrypt minimum (N=2^17, r=8, p=1)", () => {
    expect(DEFAULT_PASSWORD_HASHER_OPTIONS).toMatchObject({ logN: 17, r: 8, p: 1 });
    expect(new PasswordHasher().options.logN).toBeGreaterThanOrEqual(17);
  });

  describe('when hashing with the default parameters', () => {
    it('should verify the right password, reject a wrong one, and salt every hash', async () => {
      const h = new PasswordHasher();
      const a = await h.hash('correct horse');
      const b = await h.hash('correct horse');
      expect(a).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
      expect(a).not.toBe(b);
      await expect(h.verify('correct horse', a)).resolves.toBe(true);
      await expect(h.verify('correct horsf', a)).resolves.toBe(false);
    });
  });

  describe('when the stored hash is weaker or malformed', () => {
    it('should still verify an old hash and ask for a rehash', async () => {
      const weak = await new PasswordHasher({ logN: 12 }).hash('pw-123456');
      const strong = new PasswordHasher();
      await expect(strong.verify('pw-123456', weak)).resolves.toBe(true);
      expect(strong.needsRehash(weak)).toBe(true);
    });

    it('should answer false, not throw, for garbage', async () => {
      await expect(new PasswordHasher({ logN: 12 }).verify('x', 'not-a-hash')).resolves.toBe(false);
    });
  });

  it('should refuse out-of-range parameters', () => {
    expect(() => new PasswordHasher({ logN: 40 })).toThrow('logN must be 10..22');
  });
});
