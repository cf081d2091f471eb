/**
 * The two locks alone, same contention, no work inside: `contenders` callers
 * over two connections (two "instances") take one lock `ops` times in total.
 * This is docs/notes.md#n29's claim in isolation: a ZooKeeper grant costs quorum
 * writes and several round trips, a Redis grant one script call.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_ZK_CONNECT, REDIS_IDENTITIES, REDIS_PORT } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import { RedisConnection, RedisLockWakeups, RedisMutex } from '@dsp/redis';
import { InterProcessMutex, ZookeeperClient } from '@dsp/zookeeper';
import { summarize } from './latency';
import { BENCH_ZK_AUTH } from './zk-lock';

const logger = createJsonLogger({ service: 'bench', instanceId: 'bench', level: 'silent' });

export interface LockResult {
  /** `redis-lock-race` is the same lock with `fair: false` (the plain SET NX race): the reference for fairness' cost. */
  lock: 'zk-lock' | 'redis-lock' | 'redis-lock-race';
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

function result(lock: LockResult['lock'], latencies: number[], seconds: number): LockResult {
  const { opsPerSec, p50Ms, p99Ms } = summarize(latencies, seconds);
  return { lock, opsPerSec, p50Ms, p99Ms };
}

async function drive(
  ops: number,
  contenders: number,
  once: (w: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  let next = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: contenders }, async (_, w) => {
      while (next++ < ops) {
        const s = performance.now();
        await once(w);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

export async function lockOnly(ops = 2000, contenders = 32): Promise<LockResult[]> {
  const name = `bench-locks-${randomBytes(4).toString('hex')}`;
  const zks = [0, 1].map(
    () => new ZookeeperClient({ connectString: DEFAULT_ZK_CONNECT, sessionTimeoutMs: 6000, auth: BENCH_ZK_AUTH }, logger),
  );
  for (const z of zks) z.start();
  await Promise.all(zks.map((z) => z.waitConnected(10_000)));
  const url = `redis://127.0.0.1:${REDIS_PORT}`;
  const REDIS_OPERATOR = { username: REDIS_IDENTITIES.operator.user, password: REDIS_IDENTITIES.operator.password };
  const redises = [0, 1].map((i) => new RedisConnection({ url, ...REDIS_OPERATOR, connectionName: `bench-lock-${i}` }, logger));
  await Promise.all(redises.map((r) => r.start()));
  const wakeups = [0, 1].map((i) => new RedisLockWakeups({ url, ...REDIS_OPERATOR, connectionName: `bench-lock-${i}` }, logger));
  try {
    const zk = await drive(ops, contenders, async (w) => {
      const m = new InterProcessMutex(zks[w % 2] as ZookeeperClient, name, logger);
      await m.acquire(60_000);
      await m.release();
    });
    const redisLock = async (fair: boolean): Promise<{ latencies: number[]; seconds: number }> => {
      const lockName = `${name}-${fair ? 'fair' : 'race'}`;
      const mutexes = [0, 1].map(
        (i) =>
          new RedisMutex(() => (redises[i] as RedisConnection).client, lockName, logger, {
            wakeups: wakeups[i] as RedisLockWakeups,
            fair,
          }),
      );
      return drive(ops, contenders, async (w) => {
        const lease = await (mutexes[w % 2] as RedisMutex).acquire(60_000);
        if (!lease) throw new Error('redis lock not granted in 60 s');
        await lease.release();
      });
    };
    const race = await redisLock(false);
    const fair = await redisLock(true);
    return [
      result('zk-lock', zk.latencies, zk.seconds),
      result('redis-lock', fair.latencies, fair.seconds),
      result('redis-lock-race', race.latencies, race.seconds),
    ];
  } finally {
    await Promise.all(wakeups.map((w) => w.close()));
    await Promise.all(redises.map((r) => r.close()));
    await Promise.all(zks.map((z) => z.close()));
  }
}
