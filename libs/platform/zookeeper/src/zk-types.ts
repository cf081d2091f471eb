/** Node metadata, as ZooKeeper's `Stat`. zxids are decimal strings (64-bit). */
export interface ZkStat {
  czxid: string;
  mzxid: string;
  pzxid: string;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  /** Hex session id of the owner for an ephemeral node, `'0'` otherwise. */
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

/** The four node types of docs/notes.md#n13 (plus ZooKeeper's container nodes). */
export type CreateMode = 'PERSISTENT' | 'PERSISTENT_SEQUENTIAL' | 'EPHEMERAL' | 'EPHEMERAL_SEQUENTIAL' | 'CONTAINER';

export const CREATE_MODE_FLAGS: Record<CreateMode, number> = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
};

/** Watch event types (one-shot watches, docs/notes.md, points 18-19, 24). */
export type WatchEventType = 'CREATED' | 'DELETED' | 'CHANGED' | 'CHILD' | 'NOT_WATCHING' | 'SESSION';

export interface WatchEvent {
  type: WatchEventType;
  path: string;
}

export type Watcher = (event: WatchEvent) => void;

export const WATCH_EVENT_TYPES: Record<number, WatchEventType> = {
  1: 'CREATED',
  2: 'DELETED',
  3: 'CHANGED',
  4: 'CHILD',
  [-2]: 'NOT_WATCHING',
  [-1]: 'SESSION',
};
