/**
 * ZooKeeper's wire records (zookeeper.jute) used by this client: operation
 * codes, reserved xids, Stat, ACL, and the request and response bodies.
 * Facts from the protocol definition; the code is ours.
 */
import type { ZkStat } from '../zk-types';
import { JuteReader, JuteWriter } from './jute';

/** Operation codes (ZooDefs.OpCode). */
export const OP = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  createContainer: 19,
  auth: 100,
  setWatches: 101,
  closeSession: -11,
} as const;

/** Reserved xids: replies carrying these are not answers to numbered requests. */
export const XID = { notification: -1, ping: -2, auth: -4, setWatches: -8 } as const;

/** Watcher event types (Watcher.Event.EventType). */
export const EVENT_TYPE = { created: 1, deleted: 2, dataChanged: 3, childrenChanged: 4 } as const;

export interface WireAcl {
  perms: number;
  scheme: string;
  id: string;
}

/** The ACL `world:anyone:cdrwa` (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
export const OPEN_ACL: readonly WireAcl[] = [{ perms: 31, scheme: 'world', id: 'anyone' }];

/** A 64-bit session id as the lowercase hex string zkCli prints (no 0x, no leading zeros). */
export function sessionIdHex(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16);
}

export function readStat(r: JuteReader): ZkStat {
  const czxid = r.long();
  const mzxid = r.long();
  const ctime = r.long();
  const mtime = r.long();
  const version = r.int();
  const cversion = r.int();
  const aversion = r.int();
  const ephemeralOwner = r.long();
  const dataLength = r.int();
  const numChildren = r.int();
  const pzxid = r.long();
  return {
    czxid: czxid.toString(),
    mzxid: mzxid.toString(),
    pzxid: pzxid.toString(),
    ctime: Number(ctime),
    mtime: Number(mtime),
    version,
    cversion,
    aversion,
    ephemeralOwner: sessionIdHex(ephemeralOwner),
    dataLength,
    numChildren,
  };
}

export function writeAcl(w: JuteWriter, acl: WireAcl): void {
  w.int(acl.perms).string(acl.scheme).string(acl.id);
}

export function readAcl(r: JuteReader): WireAcl {
  const perms = r.int();
  const scheme = r.string() ?? '';
  const id = r.string() ?? '';
  return { perms, scheme, id };
}

export interface ConnectRequest {
  lastZxidSeen: bigint;
  timeoutMs: number;
  sessionId: bigint;
  password: Buffer;
}

/** The first frame on a connection: protocol 0, a session to open (id 0) or to resume. */
export function connectRequestFrame(req: ConnectRequest): Buffer {
  return new JuteWriter()
    .int(0)
    .long(req.lastZxidSeen)
    .int(req.timeoutMs)
    .long(req.sessionId)
    .buffer(req.password)
    .bool(false) // readOnly: this client never accepts a read-only server
    .frame();
}

export interface ConnectResponse {
  timeoutMs: number;
  sessionId: bigint;
  password: Buffer;
}

/** The server's answer to a ConnectRequest; a timeout of 0 or less means the session expired. */
export function readConnectResponse(frame: Buffer): ConnectResponse {
  const r = new JuteReader(frame);
  r.int(); // protocol version
  const timeoutMs = r.int();
  const sessionId = r.long();
  const password = r.buffer() ?? Buffer.alloc(16);
  return { timeoutMs, sessionId, password };
}

export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}

export function readReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.int(), zxid: r.long(), err: r.int() };
}

export interface WatcherEventRecord {
  type: number;
  state: number;
  path: string;
}

export function readWatcherEvent(r: JuteReader): WatcherEventRecord {
  return { type: r.int(), state: r.int(), path: r.string() ?? '' };
}

/** Starts a request frame: header (xid, op) then the body the caller writes. */
export function requestWriter(xid: number, op: number): JuteWriter {
  return new JuteWriter().int(xid).int(op);
}

/**
 * SetWatches frames re-arming every watch after a reconnect to the same
 * session. The server fires, at once, each watch whose node changed after
 * `relativeZxid`. Split so no frame nears jute.maxbuffer (1 MiB by default).
 */
export function setWatchesFrames(
  relativeZxid: bigint,
  data: readonly string[],
  exist: readonly string[],
  child: readonly string[],
  maxBytes = 128 * 1024,
): Buffer[] {
  const frames: Buffer[] = [];
  const lists: [string[], string[], string[]] = [[], [], []];
  let bytes = 0;
  const flush = (): void => {
    if (lists.every((l) => l.length === 0)) return;
    const w = requestWriter(XID.setWatches, OP.setWatches).long(relativeZxid);
    for (const l of lists) w.vector(l, (ww, p) => ww.string(p));
    frames.push(w.frame());
    lists[0] = [];
    lists[1] = [];
    lists[2] = [];
    bytes = 0;
  };
  const all: [number, readonly string[]][] = [
    [0, data],
    [1, exist],
    [2, child],
  ];
  for (const [i, paths] of all) {
    for (const p of paths) {
      const size = Buffer.byteLength(p) + 4;
      if (bytes + size > maxBytes) flush();
      lists[i]?.push(p);
      bytes += size;
    }
  }
  flush();
  return frames;
}
