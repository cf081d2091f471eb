import { compareVotes } from '@dsp/ops';
import type { ZkServerAddress } from '../probes/zookeeper-ensemble.probe';
import { daemonOf, hex, readEnsemble, waitFor, type ServerReading } from './ensemble-reader';
import type { Experiment, ExperimentContext, Verdict } from './experiment';
import type { StackHands } from './stack-hands';

const vote = (epoch: bigint, zxid: bigint, sid: number) => ({ epoch, zxid, sid });
type Vote = ReturnType<typeof vote>;

/**
 * Kills the ZooKeeper leader (SIGKILL) and shows the election that follows
 * (docs/notes.md#n33, #nQ): the survivors vote, each first for itself, and
 * the one with the highest (epoch, zxid, myid) wins once a majority agrees. The
 * verdict holds when a surviving voter leads under a new epoch and it is the
 * one whose own vote, read from the servers' logs, was the highest. The killed
 * server is restarted and rejoins as a follower before the run ends.
 */
export class ZkLeaderElectionExperiment implements Experiment {
  readonly name = 'zk-leader-election';
  readonly title = 'Kill the ZooKeeper leader';
  readonly description =
    'SIGKILL the leader; the survivors elect the one with the highest (epoch, zxid, myid); the killed server rejoins as a follower.';
  readonly notes = ['n7', 'n33', 'nQ'];

  constructor(
    private readonly servers: readonly ZkServerAddress[],
    private readonly hands: StackHands,
  ) {}

  async run(ctx: ExperimentContext): Promise<Verdict> {
    const voters = this.servers.filter((s) => s.role === 'voter');
    const before = await readEnsemble(this.servers);
    const leaders = before.filter((r) => r.state?.mode === 'leader');
    const down = voters.filter((v) => !before.find((r) => r.myid === v.myid)?.state);
    if (leaders.length !== 1 || down.length > 0)
      throw new Error(
        `the ensemble is not healthy (${leaders.length} leaders, ${down.length} voters not serving): heal it first (npm run stack -- up)`,
      );
    const old = leaders[0] as ServerReading & { state: NonNullable<ServerReading['state']> };
    ctx.step(`zk-${old.myid} leads (epoch ${old.state.epoch}, zxid ${old.state.zxid}); killing it with SIGKILL`, {
      before: summary(before),
    });
    const killedAt = new Date(Date.now() - 5);
    this.hands.kill(daemonOf(old));
    try {
      const elected = await waitFor(
        this.servers,
        (rs) => rs.find((r) => r.myid !== old.myid && r.state?.mode === 'leader' && r.state.epoch > old.state.epoch),
        'a new leader',
        ctx.signal,
      );
      const winner = elected.value;
      ctx.step(`zk-${winner.myid} leads ${elected.afterMs} ms later, epoch ${old.state.epoch} -> ${winner.state?.epoch}`, {
        after: summary(elected.readings),
      });
      const survivors = voters.filter((v) => v.myid !== old.myid);
      const received = survivors.flatMap((v) => this.hands.votes(v.myid, killedAt));
      // Each survivor's vote for itself: what it brought to the election.
      const own = new Map<number, Vote>();
      for (const n of received) {
        if (n.fromSid !== n.proposedLeader || n.fromSid === old.myid) continue;
        const v = vote(n.proposedEpoch, n.proposedZxid, n.fromSid);
        const prev = own.get(n.fromSid);
        if (!prev || compareVotes(v, prev) > 0) own.set(n.fromSid, v);
      }
      const best = [...own.values()].sort(compareVotes).at(-1);
      ctx.step(
        `${received.length} votes in the survivors' logs; own votes: ${[...own.values()].map((v) => `zk-${v.sid} (${hex(v.epoch)}, ${hex(v.zxid)}, ${v.sid})`).join(', ') || 'none'}`,
      );
      const evidence = survivors.map((s) => {
        const v = own.get(s.myid);
        return {
          server: `zk-${s.myid}`,
          'own vote (epoch, zxid, myid)': v ? `(${hex(v.epoch)}, ${hex(v.zxid)}, ${v.sid})` : 'none logged',
          'mode after': elected.readings.find((r) => r.myid === s.myid)?.state?.mode ?? 'down',
          won: s.myid === winner.myid,
        };
      });
      const held = best !== undefined && best.sid === winner.myid;
      return {
        held,
        summary: held
          ? `zk-${winner.myid} won ${elected.afterMs} ms after zk-${old.myid} died: its own vote (${hex(best.epoch)}, ${hex(best.zxid)}, ${best.sid}) was the highest of the survivors', compared by epoch, then zxid, then myid; the epoch went from ${old.state.epoch} to ${winner.state?.epoch}.`
          : best === undefined
            ? `zk-${winner.myid} leads, but no survivor's own vote was found in the logs, so why it won is not shown.`
            : `zk-${winner.myid} leads, but zk-${best.sid}'s vote was the highest: the rule did not hold.`,
        evidence,
      };
    } finally {
      ctx.step(`restarting zk-${old.myid}`);
      await this.hands.restart(daemonOf(old));
      const back = await waitFor(
        this.servers,
        (rs) => rs.find((r) => r.myid === old.myid && r.state !== undefined)?.state,
        `zk-${old.myid} serving again`,
        new AbortController().signal,
        60_000,
        250,
      );
      ctx.step(`zk-${old.myid} is back as ${back.value.mode} (epoch ${back.value.epoch}), ${back.afterMs} ms after its restart`);
    }
  }
}

function summary(rs: readonly ServerReading[]): string[] {
  return rs.map((r) => (r.state ? `zk-${r.myid} ${r.state.mode} epoch ${r.state.epoch} zxid ${r.state.zxid}` : `zk-${r.myid} not serving`));
}
