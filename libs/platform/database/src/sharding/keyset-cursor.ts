/** A cursor that is not one this service issued. Maps to 400. */
export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`invalid cursor "${cursor.slice(0, 64)}"`);
  }
}

/** The position after the last row of a page sorted by (createdAt DESC, id DESC). */
export interface Keyset {
  createdAtMs: number;
  id: string;
}

/**
 * Opaque keyset cursors: a page ends at (createdAt, id), and the next page is
 * `WHERE (created_at, id) < (?, ?)`. Unlike OFFSET, this stays exact and cheap
 * when merged across shards: each shard returns its next `limit` rows after
 * the keyset, and the merge keeps the first `limit` overall.
 */
export const KeysetCursor = {
  encode(k: Keyset): string {
    return Buffer.from(JSON.stringify([k.createdAtMs, k.id])).toString('base64url');
  },

  decode(cursor: string): Keyset {
    try {
      const v = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
      if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && /^\d{1,20}$/.test(v[1])) {
        return { createdAtMs: v[0] as number, id: v[1] };
      }
    } catch {
      // fall through
    }
    throw new InvalidCursorError(cursor);
  },
};

/** Compares rows by (createdAt DESC, id DESC): the order of every listing. */
export function newestFirst(a: Keyset, b: Keyset): number {
  if (a.createdAtMs !== b.createdAtMs) return b.createdAtMs - a.createdAtMs;
  const ai = BigInt(a.id);
  const bi = BigInt(b.id);
  return ai === bi ? 0 : ai < bi ? 1 : -1;
}

/** Merges lists each already sorted by `compare` and keeps the first `limit`. */
export function mergeSorted<T>(lists: readonly (readonly T[])[], compare: (a: T, b: T) => number, limit: number): T[] {
  const heads = lists.map(() => 0);
  const out: T[] = [];
  while (out.length < limit) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const list = lists[i] as readonly T[];
      const h = heads[i] as number;
      if (h >= list.length) continue;
      if (best === -1 || compare(list[h] as T, (lists[best] as readonly T[])[heads[best] as number] as T) < 0) best = i;
    }
    if (best === -1) break;
    out.push((lists[best] as readonly T[])[heads[best] as number] as T);
    heads[best] = (heads[best] as number) + 1;
  }
  return out;
}
