/** Characters no username may hold: controls, format and default-ignorable characters, bidi controls, line separators. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Zl}\p{Zp}]/u;

export type UsernameCheck = { ok: true; username: string } | { ok: false; problem: string };

/**
 * A typed username in its one canonical form (Unicode NFKC: full-width and
 * compatibility characters folded), or the reason it cannot be one: a control,
 * format, default-ignorable or bidi character (`enum\u200b` would otherwise be
 * another string that the database's collation still matches to `enum`).
 * Applied before any limiter or lookup sees the name.
 */
export function canonicalUsername(raw: string): UsernameCheck {
  const username = raw.normalize('NFKC');
  const bad = FORBIDDEN.exec(username);
  if (bad) {
    const cp = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    return { ok: false, problem: `body/username must not contain U+${cp} (control, format, invisible or bidi character)` };
  }
  return { ok: true, username };
}
