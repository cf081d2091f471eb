/**
 * Reference pairs for `npm run bench`: each measures one piece of this
 * platform next to the standard tool for the same server, in the same run, so
 * the ratio (not the absolute number) is what to read:
 * - Redis: our client calls vs `redis-benchmark` (GET, 50 clients), and the
 *   session check as a service's ACL user vs a throwaway Redis without ACL,
 *   and a new connection's connect + AUTH vs connect on that Redis;
 * - Kafka: EventProducer (acks=all, idempotent, linger 2 ms) vs Kafka's own
 *   ProducerPerformance with the same settings, both as the same SCRAM user
 *   (what SCRAM and ACLs cost is in `kafka-scram-cost.ts`);
 * - HTTP: a service's `/health/live` (the serviceDefaults pipeline: request
 *   ids, JSON logs, metrics) vs a bare fastify route, both by autocannon;
 * - MySQL: primary point selects through SqlNode (typeorm + mysql2) vs
 *   `sysbench oltp_point_select`, same threads, same table.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import { createPool } from 'mysql2/promise';
import {
  DB_USERS,
  KAFKA_BROKER_PORTS,
  KAFKA_IDENTITIES,
  MYSQL_CLUSTERS,
  REDIS_IDENTITIES,
  REDIS_PORT,
  REDIS_SERVICE_COMMANDS,
} from '@dsp/contracts';
import { SqlNode } from '@dsp/database';
import { classpath } from '@dsp/infra-stack';
import { EventProducer, KafkaConnection, saslOf } from '@dsp/messaging';
import { createJsonLogger } from '@dsp/service-defaults';
import { RedisConnection, RedisMutex, SessionStore } from '@dsp/redis';

const run = promisify(execFile);
const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

/** One comparison: our ops/s next to the reference's, same unit. */
export interface Pair {
  area: string;
  ours: { what: string; opsPerSec: number };
  reference: { what: string; opsPerSec: number };
}

/** The session both Redis pairs authenticate. */
const BENCH_SESSION = {
  userId: '1',
  username: 'bench',
  ip: '127.0.0.1',
  userAgent: 'bench',
  idleTimeoutMs: 600_000,
  absoluteTimeoutMs: 600_000,
};

/** Runs `op` `total` times with `inFlight` callers at once; returns ops per second. */
export async function concurrently(total: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < total; i = next++) await op(i);
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function redisBenchmark(args: string[]): Promise<number> {
  const { stdout } = await run(
    'redis-benchmark',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(REDIS_PORT),
      '--user',
      REDIS_IDENTITIES.operator.user,
      '-a',
      REDIS_IDENTITIES.operator.password,
      '-q',
      ...args,
    ],
    { maxBuffer: 1 << 20 },
  );
  const m = /([\d.]+) requests per second/.exec(stdout.replace(/\r/g, '\n').split('\n').filter(Boolean).pop() ?? '');
  if (!m) throw new Error(`redis-benchmark said: ${stdout}`);
  return Number(m[1]);
}

export async function redisPairs(ops = 100_000, clients = 50): Promise<Pair[]> {
  const conn = new RedisConnection(
    {
      url: `redis://127.0.0.1:${REDIS_PORT}`,
      username: REDIS_IDENTITIES.operator.user,
      password: REDIS_IDENTITIES.operator.password,
      connectionName: 'bench',
    },
    logger,
  );
  await conn.start();
  try {
    const key = `bench:${randomBytes(4).toString('hex')}`;
    await conn.client.set(key, 'x'.repeat(3));
    const refGet = await redisBenchmark(['-c', String(clients), '-n', String(ops), 'GET', key]);
    const get = await concurrently(ops, clients, () => conn.client.get(key));
    const store = new SessionStore(() => conn.client, logger);
    store.start();
    const { id } = await store.create(BENCH_SESSION);
    const auth = await concurrently(ops / 2, clients, () => store.authenticate(id));
    const mutex = new RedisMutex(() => conn.client, `bench-${randomBytes(4).toString('hex')}`, logger);
    const lockOps = await concurrently(ops / 10, 1, async () => (await mutex.acquire(1000))?.release());
    await conn.client.del(key);
    const ref = { what: `redis-benchmark GET, ${clients} clients`, opsPerSec: refGet };
    return [
      { area: 'redis', ours: { what: `GET through RedisConnection (ioredis), ${clients} in flight`, opsPerSec: get }, reference: ref },
      {
        area: 'redis',
        ours: { what: `SessionStore.authenticate (sliding-expiry script), ${clients} in flight`, opsPerSec: auth },
        reference: ref,
      },
      { area: 'redis', ours: { what: 'RedisMutex acquire+release, uncontended, 1 at a time', opsPerSec: lockOps }, reference: ref },
    ];
  } finally {
    await conn.close();
  }
}

/** A throwaway redis-server with no ACL file (the default user, no password) and the stack's persistence settings. */
async function throwawayRedis(port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    { stdio: 'ignore' },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new RedisConnection({ url: `redis://127.0.0.1:${port}`, connectionName: 'bench-probe', maxRetriesPerRequest: 0 }, logger);
    try {
      await probe.start();
      await probe.ping();
      await probe.close();
      return { url: `redis://127.0.0.1:${port}`, stop };
    } catch (e) {
      await probe.close();
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`throwaway redis-server on ${port} did not answer within 10 s: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * What the ACL costs (ADR 0010): `SessionStore.authenticate` as the gateway's
 * ACL user (key patterns checked on every call, inside the script too) on the
 * stack's Redis vs the same calls on a throwaway Redis without ACL, same
 * persistence settings, same run.
 */
export async function redisAclCostPair(ops = 50_000, clients = 50, port = 16380): Promise<Pair> {
  const bare = await throwawayRedis(port);
  const gw = REDIS_IDENTITIES.gateway;
  const op = REDIS_IDENTITIES.operator;
  const conns = [
    new RedisConnection(
      { url: `redis://127.0.0.1:${REDIS_PORT}`, username: gw.user, password: gw.password, connectionName: 'bench-acl' },
      logger,
    ),
    new RedisConnection({ url: bare.url, connectionName: 'bench-no-acl' }, logger),
  ] as const;
  // Sessions are created by user-service; the gateway only authenticates them.
  const creator = new RedisConnection(
    { url: `redis://127.0.0.1:${REDIS_PORT}`, username: op.user, password: op.password, connectionName: 'bench-acl-creator' },
    logger,
  );
  try {
    await Promise.all([...conns, creator].map((c) => c.start()));
    const [withAcl, asCreator, noAcl] = [conns[0], creator, conns[1]].map((c) => new SessionStore(() => c.client, logger)) as [
      SessionStore,
      SessionStore,
      SessionStore,
    ];
    for (const s of [withAcl, asCreator, noAcl]) s.start();
    const { id: aclId } = await asCreator.create(BENCH_SESSION);
    const { id: bareId } = await noAcl.create(BENCH_SESSION);
    if (!(await withAcl.authenticate(aclId))) throw new Error('the gateway user could not authenticate a session: check the ACL');
    // Warm both, then alternate so neither side gets the quieter half of the run.
    await concurrently(2_000, clients, () => withAcl.authenticate(aclId));
    await concurrently(2_000, clients, () => noAcl.authenticate(bareId));
    const rates = { acl: [] as number[], bare: [] as number[] };
    for (let round = 0; round < 3; round++) {
      rates.acl.push(await concurrently(ops / 3, clients, () => withAcl.authenticate(aclId)));
      rates.bare.push(await concurrently(ops / 3, clients, () => noAcl.authenticate(bareId)));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
    return {
      area: 'redis',
      ours: { what: `SessionStore.authenticate as the gateway's ACL user, ${clients} in flight`, opsPerSec: median(rates.acl) },
      reference: { what: 'the same on a throwaway Redis without ACL (default user)', opsPerSec: median(rates.bare) },
    };
  } finally {
    await Promise.all([...conns, creator].map((c) => c.close()));
    await bare.stop();
  }
}

/** One new TCP connection that sends `commands` (RESP) and waits for as many simple replies, then closes (2 s timeout). */
function oneRedisConnection(port: number, commands: string[][]): Promise<void> {
  const payload = commands.map((cmd) => `*${cmd.length}\r\n${cmd.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join('')}`).join('');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Redis on :${port} did not answer ${commands.length} commands within 2 s`));
    }, 2000);
    let got = '';
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (d) => {
      got += d.toString();
      // Only complete replies count: every one of these commands answers one `+...\r\n` or `-...\r\n` line.
      const replies = got.split('\r\n').slice(0, -1);
      const error = replies.find((l) => l.startsWith('-'));
      if (error !== undefined) done(new Error(`Redis said ${error}`));
      else if (replies.length >= commands.length) done();
    });
    socket.on('error', (e) => done(e));
  });
}

/**
 * What authenticating costs a new connection (ADR 0010): on one throwaway
 * Redis, connect + `AUTH <user> <password>` + `PING` as an ACL user with the
 * gateway's key patterns and commands, vs connect + `PING` as the default user
 * (no password), one connection at a time (the latency a client's reconnect or
 * a pool's growth pays), same server, same run.
 */
export async function redisConnectAuthPair(connections = 3_000, port = 16381): Promise<Pair> {
  const bare = await throwawayRedis(port);
  const gw = REDIS_IDENTITIES.gateway;
  const password = randomBytes(24).toString('base64url');
  const admin = new RedisConnection({ url: bare.url, connectionName: 'bench-acl-setup' }, logger);
  const withAuth = () => oneRedisConnection(port, [['AUTH', 'bench-user', password], ['PING']]);
  const without = () => oneRedisConnection(port, [['PING']]);
  const rate = async (fn: () => Promise<void>, n: number): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return n / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  try {
    await admin.start();
    await admin.client.call(
      'ACL',
      'SETUSER',
      'bench-user',
      'reset',
      'on',
      `>${password}`,
      ...gw.keys.map((k) => `~${k}`),
      ...REDIS_SERVICE_COMMANDS.split(' '),
    );
    await rate(withAuth, 200);
    await rate(without, 200);
    const rates = { auth: [] as number[], bare: [] as number[] };
    for (let round = 0; round < 3; round++) {
      rates.auth.push(await rate(withAuth, Math.ceil(connections / 3)));
      rates.bare.push(await rate(without, Math.ceil(connections / 3)));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
    return {
      area: 'redis',
      ours: {
        what: "new connection: connect + AUTH as an ACL user (the gateway's rules) + PING, one at a time",
        opsPerSec: median(rates.auth),
      },
      reference: { what: 'new connection: connect + PING as the default user, same throwaway Redis', opsPerSec: median(rates.bare) },
    };
  } finally {
    await admin.close();
    await bare.stop();
  }
}

export async function kafkaPair(records = 100_000, size = 200): Promise<Pair> {
  const brokers = KAFKA_BROKER_PORTS.map((p) => `127.0.0.1:${p}`);
  const topic = 'bench.perf';
  const op = { username: KAFKA_IDENTITIES.operator.user, password: KAFKA_IDENTITIES.operator.password };
  const admin = new Kafka({ clientId: 'bench-admin', brokers, ...saslOf(op), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(topic))
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 6, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    });
  await admin.disconnect();
  const dir = mkdtempSync(join(tmpdir(), 'dsp-bench-kafka-'));
  const props = join(dir, 'producer.properties');
  writeFileSync(
    props,
    [
      `bootstrap.servers=${brokers.join(',')}`,
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${op.username}" password="${op.password}";`,
      'acks=all',
      'enable.idempotence=true',
      'linger.ms=2',
      'max.in.flight.requests.per.connection=1',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const { stdout } = await run(
    'java',
    [
      '-Xmx256m',
      '-cp',
      classpath('kafka'),
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      String(size),
      '--throughput',
      '-1',
      // A file, not --producer-props: that flag splits each pair on '=', and the JAAS line has more.
      '--producer.config',
      props,
    ],
    { maxBuffer: 1 << 22 },
  ).finally(() => rmSync(dir, { recursive: true, force: true }));
  const m = /\d+ records sent, ([\d.]+) records\/sec/.exec(stdout.trim().split('\n').pop() ?? '');
  if (!m) throw new Error(`ProducerPerformance said: ${stdout.slice(-500)}`);
  const conn = new KafkaConnection({ brokers, clientId: 'bench-producer', ...op }, logger);
  await conn.start();
  const producer = new EventProducer(conn, logger);
  await producer.start();
  const value = 'x'.repeat(size);
  try {
    const ours = await concurrently(records, 2000, (i) => producer.send(topic, [{ key: String(i), value }]));
    return {
      area: 'kafka',
      ours: { what: `EventProducer.send, ${size}-byte records, 2,000 callers (coalesced)`, opsPerSec: ours },
      reference: { what: 'ProducerPerformance (same SCRAM user), acks=all, idempotent, linger.ms=2, 1 in flight', opsPerSec: Number(m[1]) },
    };
  } finally {
    await producer.close();
    await conn.close();
  }
}

function cannon(url: string, connections: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) =>
    autocannon({ url, connections, duration: seconds }, (err, r) => (err ? reject(err) : resolve(r.requests.average))),
  );
}

/** `serviceUrl` is a running service (the gateway); a bare fastify starts in a child process for the run. */
export async function httpPair(serviceUrl: string, connections = 32, seconds = 5): Promise<Pair> {
  const bare = spawn(
    process.execPath,
    [
      '-e',
      "const f=require('fastify')();f.get('/health/live',async()=>({status:'ok'}));f.listen({port:0,host:'127.0.0.1'}).then(a=>console.log(a))",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      bare.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      bare.once('exit', (c) => reject(new Error(`bare fastify exited ${c}`)));
    });
    const ref = await cannon(`${url}/health/live`, connections, seconds);
    const ours = await cannon(`${serviceUrl}/health/live`, connections, seconds);
    return {
      area: 'http',
      ours: { what: `gateway /health/live (serviceDefaults: request id, JSON log, metrics), ${connections} connections`, opsPerSec: ours },
      reference: { what: `bare fastify route, ${connections} connections`, opsPerSec: ref },
    };
  } finally {
    bare.kill();
  }
}

/** `threads` loops of `once` for `seconds`: calls per second. */
async function loopFor(threads: number, seconds: number, once: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: threads }, async () => {
      while (performance.now() < deadline) {
        await once();
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

/**
 * Point selects on one table: sysbench (the C ceiling), a raw mysql2 pool of the same size
 * with the same text-protocol query (the floor SqlNode is held to), and SqlNode.
 */
export async function mysqlPairs(threads = 8, seconds = 5, rows = 10_000): Promise<Pair[]> {
  const c0 = MYSQL_CLUSTERS[0];
  const admin = DB_USERS.admin;
  const common = [
    '--db-driver=mysql',
    '--mysql-host=127.0.0.1',
    `--mysql-port=${c0.primaryPort}`,
    `--mysql-user=${admin.name}`,
    `--mysql-password=${admin.password}`,
    '--mysql-db=sbtest',
    '--tables=1',
    `--table-size=${rows}`,
  ];
  const sql = (statement: string) =>
    run('mariadb', ['-h127.0.0.1', `-P${c0.primaryPort}`, `-u${admin.name}`, `-p${admin.password}`, '-e', statement]);
  await sql('DROP DATABASE IF EXISTS sbtest; CREATE DATABASE sbtest');
  await run('sysbench', ['oltp_point_select', ...common, 'prepare']);
  try {
    const { stdout } = await run('sysbench', ['oltp_point_select', ...common, `--threads=${threads}`, `--time=${seconds}`, 'run']);
    const m = /queries:\s+\d+\s+\(([\d.]+) per sec/.exec(stdout);
    if (!m) throw new Error(`sysbench said: ${stdout.slice(-500)}`);
    const target = { host: '127.0.0.1', port: c0.primaryPort, user: admin.name, password: admin.password, database: 'sbtest' };
    const statement = 'SELECT c FROM sbtest1 WHERE id = ?';
    const pick = (): number => 1 + Math.floor(Math.random() * rows);
    const pool = createPool({ ...target, connectionLimit: threads });
    let rawPerSec: number;
    try {
      await loopFor(threads, 1, () => pool.query(statement, [pick()])); // warm the pool
      rawPerSec = await loopFor(threads, seconds, () => pool.query(statement, [pick()]));
    } finally {
      await pool.end();
    }
    const node = new SqlNode({ label: 'sbtest:primary', ...target }, logger, { poolSize: threads });
    await node.start();
    try {
      await loopFor(threads, 1, () => node.query(statement, [pick()]));
      const oursPerSec = await loopFor(threads, seconds, () => node.query(statement, [pick()]));
      const ours = { what: `point select through SqlNode (typeorm + mysql2), ${threads} in flight`, opsPerSec: oursPerSec };
      const raw = { what: `the same query on a raw mysql2 pool of ${threads}`, opsPerSec: rawPerSec };
      return [
        { area: 'mysql', ours, reference: raw },
        { area: 'mysql', ours, reference: { what: `sysbench oltp_point_select, ${threads} threads`, opsPerSec: Number(m[1]) } },
      ];
    } finally {
      await node.close();
    }
  } finally {
    await sql('DROP DATABASE IF EXISTS sbtest');
  }
}
