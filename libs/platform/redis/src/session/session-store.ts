import type Redis from 'ioredis';
import type { JsonLogger } from '@dsp/service-defaults';
import { isWellFormedSessionId, newSessionId, sessionHandle } from './session-id';
import { LuaScript } from '../lua-script';

export interface SessionStoreOptions {
  /** Prefix of every key. @default 'dsp:' */
  keyPrefix: string;
}

export const DEFAULT_SESSION_STORE_OPTIONS: SessionStoreOptions = { keyPrefix: 'dsp:' };

/** A session as stored: never contains the session id itself, only its handle. */
export interface SessionRecord {
  handle: string;
  userId: string;
  username: string;
  createdAt: number;
  lastSeenAt: number;
  /** The session dies at this time whatever the activity (absolute timeout), ms since epoch. */
  absoluteExpiresAt: number;
  /** Sliding idle timeout, ms. */
  idleTimeoutMs: number;
  ip: string;
  userAgent: string;
  /**
   * Per data source (e.g. `user_db`, `order_db_1`), the GTID position this
   * user's reads must see: read-your-writes across instances.
   */
  readPositions: Record<string, string>;
}

export interface NewSession {
  userId: string;
  username: string;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  ip: string;
  userAgent: string;
  readPositions?: Record<string, string>;
}

/** Fields a running session may change (one HSET each; never a whole-record write). */
export type SessionPatch = Partial<Pick<SessionRecord, 'readPositions'>>;

const FIELD = {
  userId: 'uid',
  username: 'un',
  createdAt: 'ca',
  lastSeenAt: 'ls',
  absoluteExpiresAt: 'ae',
  idleTimeoutMs: 'it',
  ip: 'ip',
  userAgent: 'ua',
} as const;

/** One hash field per data source: `rp:<source>`. */
const READ_POSITION_PREFIX = 'rp:';

function readPositionFields(positions: Record<string, string> | undefined): string[] {
  return Object.entries(positions ?? {}).flatMap(([source, pos]) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(source)) throw new Error(`invalid data source name "${source}"`);
    return [READ_POSITION_PREFIX + source, pos];
  });
}

// Every script uses Redis' own clock (TIME), so instances with skewed clocks agree on expiry.
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: session, index. ARGV: handle, idleMs, absoluteMs, field/value pairs. Returns [createdAt, absoluteExpiresAt]. */
const CREATE = new LuaScript(`${NOW}
local ae = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'ca', now, 'ls', now, 'ae', ae, 'it', ARGV[2], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], math.min(tonumber(ARGV[2]), tonumber(ARGV[3])))
redis.call('ZADD', KEYS[2], now, ARGV[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return {now, ae}`);

/** KEYS: session. Slides the idle timeout; deletes a session past its absolute timeout. Returns the hash or nil. */
const TOUCH = new LuaScript(`${NOW}
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return nil end
local f = {}
for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
local ae = tonumber(f['ae'])
if ae == nil or now >= ae then redis.call('DEL', KEYS[1]); return nil end
redis.call('HSET', KEYS[1], 'ls', now)
redis.call('PEXPIRE', KEYS[1], math.min(tonumber(f['it']), ae - now))
f['ls'] = tostring(now)
local out = {}
for k, v in pairs(f) do out[#out + 1] = k; out[#out + 1] = v end
return out`);

/** KEYS: session. ARGV: field/value pairs. Writes only if the session still exists (no resurrection). */
const PATCH = new LuaScript(`if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`);

/** KEYS: index. ARGV: key prefix of sessions, handle to keep (or ''). Deletes every other session of the user. */
const REVOKE_ALL = new LuaScript(`local hs = redis.call('ZRANGE', KEYS[1], 0, -1)
local n = 0
for _, h in ipairs(hs) do
  if h ~= ARGV[2] then
    n = n + redis.call('DEL', ARGV[1] .. h)
    redis.call('ZREM', KEYS[1], h)
  end
end
return n`);

type Lifecycle = 'LATENT' | 'STARTED' | 'CLOSED';

/** Redis cannot be reached (connection closed, retries exhausted). Maps to HTTP 503. */
export class SessionStoreUnavailableError extends Error {
  constructor(cause: string) {
    super(`session store unavailable: ${cause}`);
  }
}

/** Redis' own errors (a bad script, a wrong type) are bugs and pass through; anything else is "Redis is not reachable". */
async function guard<T>(op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (e) {
    if ((e as Error).name === 'ReplyError') throw e;
    throw new SessionStoreUnavailableError((e as Error).message);
  }
}

/**
 * Sessions in Redis, shared by every instance of every service (docs/notes.md#n1,
 * the "session center").
 *
 * Guarantees:
 * - An id is 256 random bits; Redis only ever holds its SHA-256 (the handle).
 * - A session lives at most `absoluteTimeoutMs` and dies after
 *   `idleTimeoutMs` without use; the key's TTL is never longer than the idle
 *   timeout, and expiry uses Redis' clock.
 * - Every change is a script that writes only the fields it changes and only
 *   if the session still exists: a request that races a logout cannot bring
 *   the session back, and two updates never overwrite each other's fields.
 * - A per-user index lists a user's sessions and revokes them together.
 *
 * Scripts address keys they compute (revoke-all): a standalone or
 * single-slot Redis, not a sharded cluster.
 */
export class SessionStore {
  private readonly options: SessionStoreOptions;
  private lifecycle: Lifecycle = 'LATENT';

  constructor(
    private readonly redisOf: () => Redis,
    private readonly logger: JsonLogger,
    options: Partial<SessionStoreOptions> = {},
  ) {
    this.options = { ...DEFAULT_SESSION_STORE_OPTIONS, ...options };
  }

  start(): void {
    if (this.lifecycle !== 'LATENT') throw new Error(`SessionStore.start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
  }

  close(): void {
    this.lifecycle = 'CLOSED';
  }

  private get redis(): Redis {
    if (this.lifecycle !== 'STARTED') throw new Error(`SessionStore is ${this.lifecycle}`);
    return this.redisOf();
  }

  private sessionKey(handle: string): string {
    return `${this.options.keyPrefix}sess:${handle}`;
  }

  private indexKey(userId: string): string {
    return `${this.options.keyPrefix}user-sess:${userId}`;
  }

  /** Creates a session; returns the id (for the cookie, shown once) and the record. */
  async create(s: NewSession): Promise<{ id: string; record: SessionRecord }> {
    if (s.idleTimeoutMs < 1000 || s.absoluteTimeoutMs < s.idleTimeoutMs) {
      throw new Error(`invalid session timeouts: idle ${s.idleTimeoutMs} ms, absolute ${s.absoluteTimeoutMs} ms`);
    }
    const id = newSessionId();
    const handle = sessionHandle(id);
    const fields = [
      FIELD.userId,
      s.userId,
      FIELD.username,
      s.username,
      FIELD.ip,
      s.ip,
      FIELD.userAgent,
      s.userAgent.slice(0, 256),
      ...readPositionFields(s.readPositions),
    ];
    const [createdAt, absoluteExpiresAt] = (await guard(
      CREATE.run(
        this.redis,
        [this.sessionKey(handle), this.indexKey(s.userId)],
        [handle, String(s.idleTimeoutMs), String(s.absoluteTimeoutMs), ...fields],
      ),
    )) as [number, number];
    this.logger.info({ component: 'session', handle: handle.slice(0, 12), userId: s.userId }, 'session created');
    return {
      id,
      record: {
        handle,
        userId: s.userId,
        username: s.username,
        createdAt,
        lastSeenAt: createdAt,
        absoluteExpiresAt,
        idleTimeoutMs: s.idleTimeoutMs,
        ip: s.ip,
        userAgent: s.userAgent.slice(0, 256),
        readPositions: { ...s.readPositions },
      },
    };
  }

  /** Resolves a session id (from a cookie) and slides its idle timeout; undefined when unknown, expired or revoked. */
  async authenticate(id: string | undefined): Promise<SessionRecord | undefined> {
    if (!id || !isWellFormedSessionId(id)) return undefined;
    const handle = sessionHandle(id);
    const flat = (await guard(TOUCH.run(this.redis, [this.sessionKey(handle)], []))) as string[] | null;
    return flat ? toRecord(handle, flat) : undefined;
  }

  /** Reads a session without touching it. */
  async get(handle: string): Promise<SessionRecord | undefined> {
    const h = await guard(this.redis.hgetall(this.sessionKey(handle)));
    return Object.keys(h).length ? toRecord(handle, Object.entries(h).flat()) : undefined;
  }

  /** Changes the given fields only, and only if the session still exists; false when it does not. */
  async patch(handle: string, patch: SessionPatch): Promise<boolean> {
    const args = readPositionFields(patch.readPositions);
    if (args.length === 0) return true;
    return (await guard(PATCH.run(this.redis, [this.sessionKey(handle)], args))) === 1;
  }

  /** Deletes one session of a user (logout, or revoke from the list); false when it was already gone. */
  async destroy(userId: string, handle: string): Promise<boolean> {
    const [[, deleted]] = (await guard(this.redis.multi().del(this.sessionKey(handle)).zrem(this.indexKey(userId), handle).exec())) as [
      [Error | null, number],
      [Error | null, number],
    ];
    return deleted === 1;
  }

  /** Deletes every session of a user except `keepHandle`; returns how many were deleted. */
  async revokeAll(userId: string, keepHandle = ''): Promise<number> {
    const n = (await guard(REVOKE_ALL.run(this.redis, [this.indexKey(userId)], [this.sessionKey(''), keepHandle]))) as number;
    this.logger.info({ component: 'session', userId, revoked: n, kept: keepHandle ? keepHandle.slice(0, 12) : null }, 'sessions revoked');
    return n;
  }

  /** A user's live sessions, newest first; index entries of expired sessions are pruned. */
  async list(userId: string): Promise<SessionRecord[]> {
    const handles = await guard(this.redis.zrevrange(this.indexKey(userId), 0, 199));
    if (handles.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const h of handles) pipe.hgetall(this.sessionKey(h));
    const results = (await guard(pipe.exec())) ?? [];
    const out: SessionRecord[] = [];
    const gone: string[] = [];
    handles.forEach((h, i) => {
      const hash = results[i]?.[1] as Record<string, string> | undefined;
      if (hash && Object.keys(hash).length) out.push(toRecord(h, Object.entries(hash).flat()));
      else gone.push(h);
    });
    if (gone.length) await guard(this.redis.zrem(this.indexKey(userId), ...gone));
    return out;
  }

  /** Remaining TTL of a session key in ms (-2 when gone); for tests and diagnostics. */
  async ttlMs(handle: string): Promise<number> {
    return this.redis.pttl(this.sessionKey(handle));
  }
}

function toRecord(handle: string, flat: string[]): SessionRecord {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string);
  const num = (k: string): number => Number(f.get(k) ?? 0);
  return {
    handle,
    userId: f.get(FIELD.userId) ?? '',
    username: f.get(FIELD.username) ?? '',
    createdAt: num(FIELD.createdAt),
    lastSeenAt: num(FIELD.lastSeenAt),
    absoluteExpiresAt: num(FIELD.absoluteExpiresAt),
    idleTimeoutMs: num(FIELD.idleTimeoutMs),
    ip: f.get(FIELD.ip) ?? '',
    userAgent: f.get(FIELD.userAgent) ?? '',
    readPositions: Object.fromEntries(
      [...f].filter(([k]) => k.startsWith(READ_POSITION_PREFIX)).map(([k, v]) => [k.slice(READ_POSITION_PREFIX.length), v]),
    ),
  };
}
