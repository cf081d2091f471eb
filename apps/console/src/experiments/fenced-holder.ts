/**
 * The lock holder of the `lock-holder-freeze` experiment, in a process of its
 * own so the console can freeze it (SIGSTOP) without freezing itself. It takes
 * the experiment's `InterProcessMutex` in a short ZooKeeper session, reads the
 * fenced register, prints what it holds as one JSON line on stdout, and waits.
 * On "write" (stdin) it writes what it read plus one with the token it was
 * granted, and prints the register's answer. It does not ask whether it still
 * holds the lock before writing: it plays a process that checked, then paused
 * (a GC pause, a frozen VM), the case fencing exists for.
 *
 * Started by {@link ChildLockHolders} with its settings in the environment:
 * HOLDER_ZK_CONNECT, HOLDER_SESSION_TIMEOUT_MS, HOLDER_LOCK (the mutex's name),
 * HOLDER_REGISTER (the register's path); its ZooKeeper credentials
 * (`user:password`) are the first line on stdin, so they are in no environment.
 * Its own log goes to stderr.
 */
import { createInterface } from 'node:readline';
import { createJsonLogger } from '@dsp/service-defaults';
import { InterProcessMutex, ZkError, ZookeeperClient } from '@dsp/zookeeper';
import { FencedRegister } from './fenced-register';

/** One line the holder prints: what it holds, then what its late write got. */
export type HolderLine =
  | { event: 'holding'; pid: number; session: string; token: string; read: { value: number; fence: string } }
  | { event: 'wrote'; accepted: boolean; reason?: string; value: number; fence: string };

/**
 * The session expired while this process was frozen, and the client notices
 * only as it wakes: an attempt that meets the dead session is made again once a
 * new one is open, for up to 20 s. Only the register's answer ends it.
 */
async function lateWrite<T>(zk: ZookeeperClient, write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await zk.waitConnected(Math.max(1, deadline - Date.now()));
      return await write();
    } catch (e) {
      if (!(e instanceof ZkError) || e.is('ZNOAUTH') || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: this process is started by the console's lock-holder-freeze experiment`);
  return v;
}

function say(line: HolderLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const auth = (await stdin.next()).value as string | undefined;
  if (!auth) throw new Error('no ZooKeeper credentials on stdin: this process is started by the console');
  const logger = createJsonLogger({
    service: 'console',
    instanceId: `fenced-holder-${process.pid}`,
    level: 'warn',
    destination: process.stderr,
  });
  const zk = new ZookeeperClient(
    {
      connectString: need('HOLDER_ZK_CONNECT'),
      sessionTimeoutMs: Number(need('HOLDER_SESSION_TIMEOUT_MS')),
      auth: [{ scheme: 'digest', auth: auth.trim() }],
    },
    logger,
  );
  zk.start();
  await zk.waitConnected(10_000);
  const register = new FencedRegister(zk, need('HOLDER_REGISTER'));
  const token = await new InterProcessMutex(zk, need('HOLDER_LOCK'), logger).acquire(20_000);
  if (token === undefined) throw new Error('the lock was not granted within 20 s');
  const read = await register.read();
  say({
    event: 'holding',
    pid: process.pid,
    session: zk.sessionId ?? '',
    token: token.toString(),
    read: { value: read.value, fence: read.fence.toString() },
  });

  for (let line = await stdin.next(); !line.done; line = await stdin.next()) {
    if (String(line.value).trim() !== 'write') continue;
    const answer = await lateWrite(zk, () => register.write(token, read.value + 1, `the frozen holder (token ${token})`));
    say({
      event: 'wrote',
      accepted: answer.accepted,
      ...(answer.accepted ? {} : { reason: answer.reason }),
      value: answer.state.value,
      fence: answer.state.fence.toString(),
    });
    break;
  }
  await zk.close();
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`fenced-holder failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
