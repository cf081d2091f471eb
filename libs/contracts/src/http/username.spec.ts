import { canonicalUsername } from './username';

describe('canonicalUsername', () => {
  it('should fold compatibility forms (NFKC) and keep ordinary names as they are', () => {
    expect(canonicalUsername('enum084331')).toEqual({ ok: true, username: 'enum084331' });
    expect(canonicalUsername('ｅｎｕｍ０８４３３１')).toEqual({ ok: true, username: 'enum084331' });
  });

  it.each(['\u200b', '\u0000', '\u202e', '\u00ad', '\u2060', '\ufeff', '\u0001', '\u001f', '\u2028'])(
    'should refuse a name holding U+%s, naming the code point',
    (ch) => {
      const r = canonicalUsername(`enum084331${ch}`);
      expect(r.ok).toBe(false);
      const cp = (ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
      expect(r.ok ? '' : r.problem).toContain(`U+${cp}`);
    },
  );
});
