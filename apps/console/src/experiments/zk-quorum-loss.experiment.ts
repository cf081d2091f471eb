import { randomBytes } from 'node:crypto';
import { SERVICE_NAMES } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import { ServiceDiscovery, type ZookeeperClient } from '@dsp/zookeeper';
import type { ZkServerAddress } from '../probes/zookeeper-ensemble.probe';
import { daemonOf, readEnsemble, waitFor } from './ensemble-reader';
import type { Experiment, ExperimentContext, Verdict } from './experiment';
import type { StackHands } from './stack-hands';

/** Opens a started, connected ZooKeeper client: anonymous, or as the operator (`asOperator`). */
export type ZkClientFactory = (asOperator: boolean, sessionTimeoutMs: number) => Promise<ZookeeperClient>;

const SESSION_MS = 6000;

/**
 * Stops two of the three voters (docs/notes.md#n35: an ensemble serves while
 * n/2+1 voters live; the observer has no vote). While one voter is left, a
 * write fails with a clear error instead of hanging or half-succeeding, and a
 * `ServiceDiscovery` opened before the outage keeps serving every instance from
 * its cache, past its session's timeout; once both voters are back, writes
 * succeed again. The write is an ephemeral node as the operator, gone with its
 * session. Both servers are restarted before the run ends, whatever happened.
 */
export class ZkQuorumLossExperiment implements Experiment {
  readonly name = 'zk-quorum-loss';
  readonly title = 'Stop two of three voters';
  readonly description =
    'SIGKILL the leader and a follower: writes fail clearly, discovery serves from its cache, then both return and writes succeed (n/2+1).';
  readonly notes = ['n35', 'n28', 'n30'];

  constructor(
    private readonly servers: readonly ZkServerAddress[],
    private readonly hands: StackHands,
    private readonly zk: ZkClientFactory,
    private readonly logger: JsonLogger,
  ) {}

  async run(ctx: ExperimentContext): Promise<Verdict> {
    const voters = this.servers.filter((s) => s.role === 'voter');
    const before = await readEnsemble(this.servers);
    const leader = before.find((r) => r.state?.mode === 'leader');
    const follower = before.find((r) => r.role === 'voter' && r.state?.mode === 'follower');
    if (!leader || !follower || voters.some((v) => !before.find((r) => r.myid === v.myid)?.state))
      throw new Error('the ensemble is not healthy (every voter must serve): heal it first (npm run stack -- up)');
    const quorum = Math.floor(voters.length / 2) + 1;
    const reader = await this.zk(false, SESSION_MS);
    const writer = await this.zk(true, SESSION_MS);
    const discovery = new ServiceDiscovery(reader, this.logger, { services: Object.values(SERVICE_NAMES), debounceMs: 20 });
    const killed = [leader, follower];
    const count = (): number => Object.values(SERVICE_NAMES).reduce((n, s) => n + discovery.instances(s).length, 0);
    const write = (): Promise<string> =>
      writer.create(`/dsp-console-quorum-${randomBytes(4).toString('hex')}`, 'console experiment', 'EPHEMERAL');
    try {
      await discovery.start();
      const known = count();
      await write();
      ctx.step(`with ${voters.length} voters a write succeeds; discovery knows ${known} instances`);
      ctx.step(
        `killing zk-${leader.myid} (leader) and zk-${follower.myid} (follower): 1 of ${voters.length} voters left, a quorum is ${quorum}`,
      );
      for (const s of killed) this.hands.kill(daemonOf(s));
      const outage = Date.now();

      let refusal = '';
      const failDeadline = Date.now() + 20_000;
      while (!refusal && Date.now() < failDeadline && !ctx.signal.aborted) {
        await write().then(
          () => new Promise((r) => setTimeout(r, 200)),
          (e: unknown) => {
            refusal = (e as Error).message;
          },
        );
      }
      ctx.step(
        refusal ? `a write failed ${Date.now() - outage} ms into the outage: ${refusal}` : 'writes still succeeded 20 s into the outage',
      );

      await new Promise((r) => setTimeout(r, SESSION_MS + 1000));
      const cached = count();
      ctx.step(
        `${Math.round((Date.now() - outage) / 1000)} s without a quorum (past the ${SESSION_MS / 1000} s session timeout): discovery still serves ${cached} of ${known} instances from its cache`,
      );

      await this.heal(ctx, killed);
      const healed = Date.now();
      let recoveredMs = -1;
      while (recoveredMs < 0 && Date.now() - healed < 30_000) {
        await write().then(
          () => {
            recoveredMs = Date.now() - healed;
          },
          () => new Promise((r) => setTimeout(r, 200)),
        );
      }
      ctx.step(
        recoveredMs >= 0
          ? `writes succeed again ${recoveredMs} ms after both voters serve`
          : 'writes still fail 30 s after both voters serve',
      );
      const held = refusal !== '' && cached === known && known > 0 && recoveredMs >= 0;
      return {
        held,
        summary: held
          ? `With 1 of ${voters.length} voters (a quorum is ${quorum} = n/2+1) a write failed clearly (${/Z[A-Z]+/.exec(refusal)?.[0] ?? refusal}), discovery kept all ${known} instances from its cache, and writes succeeded ${recoveredMs} ms after the voters returned.`
          : `The property did not hold: ${[!refusal && 'a write succeeded without a quorum', cached !== known && `discovery lost instances (${cached} of ${known})`, known === 0 && 'no instance was registered to watch', recoveredMs < 0 && 'writes did not recover'].filter(Boolean).join('; ')}.`,
        evidence: [
          { phase: 'before', voters: voters.length, write: 'succeeded', 'instances in discovery': known },
          { phase: 'quorum lost', voters: 1, write: refusal ? `failed: ${refusal}` : 'succeeded', 'instances in discovery': cached },
          {
            phase: 'healed',
            voters: voters.length,
            write: recoveredMs >= 0 ? `succeeded after ${recoveredMs} ms` : 'failed',
            'instances in discovery': count(),
          },
        ],
      };
    } finally {
      await this.heal(ctx, killed);
      await discovery.close().catch(() => undefined);
      await Promise.all([reader.close(), writer.close()]);
    }
  }

  /** Restarts every killed voter that is down and waits until each serves. */
  private async heal(ctx: ExperimentContext, killed: readonly ZkServerAddress[]): Promise<void> {
    for (const s of killed) {
      if (this.hands.running(daemonOf(s))) continue;
      ctx.step(`restarting zk-${s.myid}`);
      await this.hands.restart(daemonOf(s));
    }
    await waitFor(
      this.servers,
      (rs) => (killed.every((k) => rs.find((r) => r.myid === k.myid)?.state) ? true : undefined),
      'the restarted voters serving',
      new AbortController().signal,
      60_000,
      250,
    );
  }
}
