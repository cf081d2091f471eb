import { newClusterId } from './kafka.component';

describe('newClusterId', () => {
  it('should never give an id that a command line would read as an option', () => {
    // 0xf8 as the first byte encodes to '-' in URL-safe base64: the first draw is refused.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)];
    const random = jest.fn((n: number) => {
      const b = draws.shift() as Buffer;
      expect(b).toHaveLength(n);
      return b;
    });
    const id = newClusterId(random);
    expect(random).toHaveBeenCalledTimes(2);
    expect(id).toBe(Buffer.alloc(16, 0x41).toString('base64url'));
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
  });

  it('should give 22 URL-safe characters that decode to 16 bytes', () => {
    for (let i = 0; i < 200; i += 1) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});
