import type { Watcher } from '../zk-types';

/**
 * At most one armed watch per (kind, path). ZooKeeper keeps every watcher a
 * client registers, and fires them all on the next event, so a cache that
 * re-reads a node often must not register a new watcher each time. A watch
 * counts as armed from registration until it fires or the session is lost.
 */
export class WatchSet {
  private readonly armed = new Set<string>();

  /** A watcher to pass to the read, or `undefined` when one is armed already. */
  arm(kind: 'data' | 'children' | 'exists', path: string, onFire: () => void): Watcher | undefined {
    const id = `${kind}:${path}`;
    if (this.armed.has(id)) return undefined;
    this.armed.add(id);
    return (event) => {
      this.armed.delete(id);
      if (event.type !== 'SESSION') onFire();
    };
  }

  /** Forget a watch whose registration failed (the read threw). */
  disarm(kind: 'data' | 'children' | 'exists', path: string): void {
    this.armed.delete(`${kind}:${path}`);
  }

  /** Watches die with the session. */
  clear(): void {
    this.armed.clear();
  }
}
