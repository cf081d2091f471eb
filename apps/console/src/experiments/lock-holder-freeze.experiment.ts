import { znodePaths } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import { InterProcessMutex, type ZookeeperClient } from '@dsp/zookeeper';
import type { Experiment, ExperimentContext, Verdict } from './experiment';
import { FencedRegister, type FencedWrite, type RegisterState } from './fenced-register';
import type { HolderGrant, HolderWrite, LockHolder, LockHolders } from './lock-holders';
import { abortable } from './waits';
import type { ZkClientFactory } from './zk-quorum-loss.experiment';

export interface LockHolderFreezeOptions {
  /** The ZooKeeper session the frozen holder asks for (the servers grant 2 s to 20 s with tickTime 1 s). @default 2000 */
  sessionTimeoutMs?: number;
}

/** The experiment's mutex (`/locks/console-lock-holder-freeze`, the operator's, as a lock without an owner). */
export const FREEZE_LOCK = 'console-lock-holder-freeze';
/** The register the lock guards: `/console/lock-holder-freeze/register`. */
export const FREEZE_REGISTER = znodePaths.consoleExperiment('lock-holder-freeze', 'register');

/**
 * A lock holder frozen past its ZooKeeper session: its late write is fenced off
 * (docs/notes.md#n22, #n29). A holder process takes the experiment's
 * `InterProcessMutex`, gets the lock node's creation zxid as its fencing token,
 * reads a counter in a fenced register and is frozen (SIGSTOP) before writing
 * it back plus one. ZooKeeper hears no pings, expires its session and deletes
 * its lock node, so the console's own contender is granted the lock with a
 * higher token (zxids only grow), and writes the counter plus one. Thawed, the
 * holder still believes it holds the lock and writes; without a fence that
 * write would set the counter to what the contender already wrote (two
 * increments, one counted: a lost update). The register refuses it: its token
 * is not above the fence the contender left. The property held when the
 * contender was granted only after the holder's node was gone, its token was
 * higher, the late write was refused, and the counter went up by exactly one.
 * The holder is killed before the run ends, whatever happened.
 */
export class LockHolderFreezeExperiment implements Experiment {
  readonly name = 'lock-holder-freeze';
  readonly title = 'Freeze a lock holder past its session';
  readonly description =
    'SIGSTOP a process holding a ZooKeeper lock: its session expires, another takes the lock with a higher fencing token; thawed, its late write is fenced off.';
  readonly notes = ['n22', 'n29'];

  constructor(
    private readonly holders: LockHolders,
    private readonly zk: ZkClientFactory,
    private readonly logger: JsonLogger,
    private readonly options: LockHolderFreezeOptions = {},
  ) {}

  async run(ctx: ExperimentContext): Promise<Verdict> {
    const sessionTimeoutMs = this.options.sessionTimeoutMs ?? 2000;
    // The operator's session: it creates the register (anyone reads it, only the operator writes) and contends for the lock.
    const zk = await this.zk(true, 10_000);
    let holder: LockHolder | undefined;
    try {
      const register = new FencedRegister(zk, FREEZE_REGISTER);
      await register.ensure();
      const before = await register.read();
      ctx.step(`${FREEZE_REGISTER} holds value ${before.value}, fence ${before.fence}`);

      holder = await this.holders.start({ lock: FREEZE_LOCK, register: FREEZE_REGISTER, sessionTimeoutMs }, 20_000);
      const holderNode = await this.nodeOf(zk, holder.session);
      // When ZooKeeper deleted the holder's node (its session expired), seen by a watch armed before the freeze.
      let holderNodeDeletedAt: number | undefined;
      if (holderNode !== undefined)
        await zk.exists(holderNode, (e) => {
          if (e.type === 'DELETED') holderNodeDeletedAt = Date.now();
        });
      ctx.step(
        `holder pid ${holder.pid} took the lock in session 0x${holder.session} (${holderNode ?? 'its node not found'}): fencing token ${holder.token}, the node's czxid; it read value ${holder.read.value}`,
      );
      holder.pause();
      const frozenAt = Date.now();
      ctx.step(`froze the holder (SIGSTOP) before its write: it sends ZooKeeper no pings (session timeout ${sessionTimeoutMs} ms)`);

      const mutex = new InterProcessMutex(zk, FREEZE_LOCK, this.logger);
      const contenderSession = zk.sessionId ?? '';
      const token = await abortable(ctx, mutex.acquire(sessionTimeoutMs * 5 + 10_000), 'the lock');
      const grantedAt = Date.now();
      const waited = grantedAt - frozenAt;
      if (token === undefined)
        throw new Error(`the contender was not granted the lock within ${sessionTimeoutMs * 5 + 10_000} ms of the freeze`);
      let mine: FencedWrite;
      let holderNodeGone: boolean;
      let contenderRead: number;
      try {
        holderNodeGone = holderNodeDeletedAt !== undefined && holderNodeDeletedAt <= grantedAt;
        ctx.step(
          `the contender was granted the lock ${waited} ms after the freeze with token ${token}; the holder's node is ${holderNodeGone ? 'gone: its session expired' : 'still there'}`,
        );
        contenderRead = (await register.read()).value;
        mine = await register.write(token, contenderRead + 1, `the contender (token ${token})`);
        ctx.step(`the contender wrote value ${mine.state.value} with token ${token}: ${mine.accepted ? 'accepted' : mine.reason}`);
      } finally {
        await mutex.release();
      }

      holder.resume();
      ctx.step(
        `thawed the holder (SIGCONT): it still believes it holds the lock and writes value ${holder.read.value + 1} with token ${holder.token}`,
      );
      const late = await abortable(ctx, holder.write(30_000), "the holder's late write");
      ctx.step(`the holder's late write: ${late.accepted ? 'ACCEPTED (a lost update)' : late.reason}`);
      const after = await register.read();
      return lockHolderFreezeVerdict({ before, after, holder, holderNodeGone, token, contenderSession, waited, contenderRead, mine, late });
    } finally {
      holder?.stop();
      await zk.close();
    }
  }

  /** The lock node the holder's session owns, found by its `ephemeralOwner`. */
  private async nodeOf(zk: ZookeeperClient, session: string): Promise<string | undefined> {
    const parent = znodePaths.lock(FREEZE_LOCK, zk.owner);
    for (const child of await zk.getChildren(parent)) {
      const stat = await zk.exists(`${parent}/${child}`);
      if (stat?.ephemeralOwner === session) return `${parent}/${child}`;
    }
    return undefined;
  }
}

/** What a run saw, in; its verdict and evidence, out (apart from the run, for its unit tests). */
export function lockHolderFreezeVerdict(r: {
  before: RegisterState;
  after: RegisterState;
  holder: HolderGrant;
  holderNodeGone: boolean;
  token: bigint;
  contenderSession: string;
  waited: number;
  contenderRead: number;
  mine: FencedWrite;
  late: HolderWrite;
}): Verdict {
  const higher = r.token > r.holder.token;
  const countedOnce = r.after.value === r.before.value + 1 && r.after.fence === r.token;
  const held = r.holderNodeGone && higher && r.mine.accepted && !r.late.accepted && countedOnce;
  return {
    held,
    summary: held
      ? `The frozen holder's session expired and its lock node vanished; the contender was granted the lock ${r.waited} ms after the freeze with token ${r.token} (> ${r.holder.token}) and wrote ${r.after.value}; the thawed holder's late write with token ${r.holder.token} was fenced off, so the counter went from ${r.before.value} to ${r.after.value}, once per holder that really held the lock.`
      : `The property did not hold: ${[
          !r.holderNodeGone && "the contender was granted the lock before ZooKeeper deleted the holder's node (or no deletion was seen)",
          !higher && `the contender's token ${r.token} is not above the holder's ${r.holder.token}`,
          !r.mine.accepted && `the contender's write was refused (${r.mine.accepted ? '' : r.mine.reason})`,
          r.late.accepted && `the holder's late write was accepted: the counter went back to ${r.late.value} (a lost update)`,
          !countedOnce && `the register went from ${r.before.value} (fence ${r.before.fence}) to ${r.after.value} (fence ${r.after.fence})`,
        ]
          .filter(Boolean)
          .join('; ')}.`,
    evidence: [
      {
        who: 'the frozen holder',
        session: `0x${r.holder.session}`,
        token: r.holder.token.toString(),
        read: r.holder.read.value,
        wrote: r.holder.read.value + 1,
        answer: r.late.accepted ? 'accepted' : 'fenced off',
      },
      {
        who: `the contender (granted after ${r.waited} ms)`,
        session: `0x${r.contenderSession}`,
        token: r.token.toString(),
        read: r.contenderRead,
        wrote: r.contenderRead + 1,
        answer: r.mine.accepted ? 'accepted' : 'fenced off',
      },
      {
        who: 'the register after both',
        session: '',
        token: `fence ${r.after.fence}`,
        read: r.before.value,
        wrote: r.after.value,
        answer: r.after.writer,
      },
    ],
  };
}
