import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { DB_USERS, MYSQL_CLUSTERS, REDIS_IDENTITIES, REDIS_PORT } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import { RedisConnection, SessionStore } from '@dsp/redis';
import { LOAD_PASSWORD } from './password';

/** A logged-in buyer: a real `users` row and a real Redis session (cookie). */
export interface Buyer {
  id: string;
  username: string;
  /** `dsp.sid=<session id>` */
  cookie: string;
}

export interface SeedBuyersOptions {
  gatewayUrl: string;
  count: number;
  /** The password every seeded buyer has (the template user's). @default 'load-kit-password-1' */
  password?: string;
  /** Username prefix; a random one by default so runs never collide. */
  prefix?: string;
  redisUrl?: string;
  /** Called after each batch: users inserted, then sessions opened, out of `count`. */
  onProgress?: (phase: 'users' | 'sessions', done: number, total: number) => void;
  /** Called before seeding waits (a spent registration limit). */
  onWait?: (why: string) => void;
}

const SESSION_IDLE_MS = 2 * 3600_000;
const QUIET = createJsonLogger({ service: 'load-kit', instanceId: 'load-kit', level: 'warn' });

/**
 * Many buyers fast, for load and race tests. Registering and logging in
 * through the API costs two scrypt hashes per user (~0.2 s each on 2 cores), so
 * this registers ONE user through the gateway (the real path, real hash), then
 * inserts the others with that same password hash (user_db, the service's own
 * account) and opens their sessions with the platform's `SessionStore`
 * exactly as login does. Every buyer can also log in with `password`.
 */
export async function seedBuyers(opts: SeedBuyersOptions): Promise<Buyer[]> {
  const password = opts.password ?? LOAD_PASSWORD;
  const prefix = opts.prefix ?? `lk${randomBytes(3).toString('hex')}`;
  const template = `${prefix}-t`;
  // The per-address registration limit may be spent (a load run's `register`): wait out its window once.
  let reg: Response;
  for (let attempt = 0; ; attempt++) {
    reg = await fetch(`${opts.gatewayUrl}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: template, password }),
    });
    if (reg.status !== 429 || attempt > 0) break;
    const wait = Math.min(120, Math.max(1, Number(reg.headers.get('retry-after')) || 60));
    opts.onWait?.(`the registration limit of this address is spent: waiting ${wait} s (Retry-After)`);
    await new Promise((r) => setTimeout(r, wait * 1000));
  }
  if (reg.status !== 201) throw new Error(`seedBuyers: registering the template user failed: ${reg.status} ${await reg.text()}`);
  const c0 = MYSQL_CLUSTERS[0];
  const db = await createConnection({
    host: '127.0.0.1',
    port: c0.primaryPort,
    user: DB_USERS.user.name,
    password: DB_USERS.user.password,
    database: 'user_db',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const buyers: Buyer[] = [];
  const redis = new RedisConnection(
    {
      url: opts.redisUrl ?? `redis://127.0.0.1:${REDIS_PORT}`,
      username: REDIS_IDENTITIES.operator.user,
      password: REDIS_IDENTITIES.operator.password,
      connectionName: 'load-kit',
    },
    QUIET,
  );
  try {
    const [rows] = await db.query('SELECT password_hash FROM users WHERE username = ?', [template]);
    const hash = (rows as { password_hash: string }[])[0]?.password_hash;
    if (!hash) throw new Error('seedBuyers: template user not found in user_db');
    const now = new Date();
    for (let i = 0; i < opts.count; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, opts.count - i) }, (_, j) => [`${prefix}-${i + j}`, hash, now, now]);
      await db.query('INSERT INTO users (username, password_hash, created_at, password_changed_at) VALUES ?', [batch]);
      opts.onProgress?.('users', i + batch.length, opts.count);
    }
    const [ids] = await db.query('SELECT id, username FROM users WHERE username LIKE ? AND username <> ? ORDER BY id', [
      `${prefix}-%`,
      template,
    ]);
    await redis.start();
    const store = new SessionStore(() => redis.client, QUIET);
    store.start();
    const rowsOf = ids as { id: string; username: string }[];
    for (let i = 0; i < rowsOf.length; i += 200) {
      const created = await Promise.all(
        rowsOf.slice(i, i + 200).map(async (u) => {
          const s = await store.create({
            userId: String(u.id),
            username: u.username,
            ip: '127.0.0.1',
            userAgent: 'dsp-load-kit',
            idleTimeoutMs: SESSION_IDLE_MS,
            absoluteTimeoutMs: SESSION_IDLE_MS,
            readPositions: {},
          });
          return { id: String(u.id), username: u.username, cookie: `dsp.sid=${s.id}` };
        }),
      );
      buyers.push(...created);
      opts.onProgress?.('sessions', buyers.length, rowsOf.length);
    }
    store.close();
  } finally {
    await db.end();
    await redis.close();
  }
  return buyers;
}
