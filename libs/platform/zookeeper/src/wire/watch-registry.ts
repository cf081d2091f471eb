import { EVENT_TYPE } from './records';

/** A watcher as the wire client keeps it: the raw event type and the client-side path. */
export type WireWatcher = (event: { type: number; path: string }) => void;

export type WatchKind = 'data' | 'exist' | 'child';

/**
 * The client side of ZooKeeper's one-shot watches, as the Java client keeps
 * them: data watches (set by getData, or by exists on a node that exists),
 * exist watches (exists on a missing node) and child watches (getChildren).
 * An event removes and returns exactly the watchers it fires; the rest stay
 * armed, and are re-registered with the server after a reconnect to the same
 * session (`paths()` feeds SetWatches).
 */
export class WatchRegistry {
  private readonly tables: Record<WatchKind, Map<string, Set<WireWatcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
  };

  add(kind: WatchKind, path: string, watcher: WireWatcher): void {
    const table = this.tables[kind];
    let set = table.get(path);
    if (!set) table.set(path, (set = new Set()));
    set.add(watcher);
  }

  /** Removes and returns the watchers an event of `type` on `path` fires. */
  take(type: number, path: string): WireWatcher[] {
    const kinds: WatchKind[] =
      type === EVENT_TYPE.created || type === EVENT_TYPE.dataChanged
        ? ['data', 'exist']
        : type === EVENT_TYPE.childrenChanged
          ? ['child']
          : type === EVENT_TYPE.deleted
            ? ['data', 'exist', 'child']
            : [];
    const out: WireWatcher[] = [];
    for (const kind of kinds) {
      const set = this.tables[kind].get(path);
      if (!set) continue;
      this.tables[kind].delete(path);
      out.push(...set);
    }
    return out;
  }

  /** Removes and returns every watcher (the session ended). */
  takeAll(): WireWatcher[] {
    const out: WireWatcher[] = [];
    for (const table of Object.values(this.tables)) {
      for (const set of table.values()) out.push(...set);
      table.clear();
    }
    return out;
  }

  /** The watched paths per kind, for SetWatches. */
  paths(): Record<WatchKind, string[]> {
    return {
      data: [...this.tables.data.keys()],
      exist: [...this.tables.exist.keys()],
      child: [...this.tables.child.keys()],
    };
  }

  get size(): number {
    let n = 0;
    for (const table of Object.values(this.tables)) for (const set of table.values()) n += set.size;
    return n;
  }
}
