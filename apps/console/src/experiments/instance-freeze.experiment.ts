import { SERVICE_NAMES, znodePaths } from '@dsp/contracts';
import type { Experiment, ExperimentContext, Verdict } from './experiment';
import { OpenLoopTraffic, type TrafficCall } from './open-loop-traffic';
import { registeredInstances } from './registry-reader';
import type { StackHands } from './stack-hands';
import { pause, until } from './waits';
import type { ZkClientFactory } from './zk-quorum-loss.experiment';

export interface InstanceFreezeOptions {
  /** The gateway the traffic goes through, e.g. `http://127.0.0.1:8080`. */
  gatewayUrl: string;
  /** The ZooKeeper session timeout the services run with (`ZK_SESSION_TIMEOUT_MS`, 6000 by default). */
  sessionTimeoutMs: number;
  /** Requests per second through the gateway while the experiment runs. @default 20 */
  ratePerSecond?: number;
}

/** How long after its node vanished the gateway may still pick the frozen instance (its discovery's watch and debounce). */
const MOVE_SLACK_MS = 1000;
/** How long the instance stays frozen once its node vanished, so the traffic shows where it went. */
const FROZEN_AFTER_MS = 3000;

const SERVICE = SERVICE_NAMES.user;
/** A user-service route through the gateway that needs no session: without a cookie the service answers 401 itself. */
const ROUTE = '/api/users/me';

/**
 * Freezes one user-service instance (SIGSTOP) past its ZooKeeper session
 * while requests keep arriving through the gateway (docs/notes.md#n14, #n17,
 * #n30): a hung process sends no pings, so its session expires and its
 * ephemeral node vanishes (an instance that is alive but stuck is caught by the
 * session, not by a health check); the gateway's discovery hears it and sends
 * every new request to the other instance; thawed (SIGCONT), the instance finds
 * its session expired and registers again under a new session, and takes
 * traffic again. Requests already sent to it wait out the gateway's upstream
 * timeout: they are counted, not hidden. The property held when the node
 * vanished within the session timeout plus 2 s, no request started more than
 * 1 s after that failed or reached the frozen instance, and the instance came
 * back under a new session and served again. The instance is thawed before the
 * run ends, whatever happened.
 */
export class InstanceFreezeExperiment implements Experiment {
  readonly name = 'instance-freeze';
  readonly title = 'Freeze a service instance past its session';
  readonly description =
    'SIGSTOP a user-service instance under traffic: its session expires, its node vanishes, the gateway moves traffic; thawed, it registers again.';
  readonly notes = ['n14', 'n17', 'n30'];

  constructor(
    private readonly hands: StackHands,
    private readonly zk: ZkClientFactory,
    private readonly options: InstanceFreezeOptions,
  ) {}

  async run(ctx: ExperimentContext): Promise<Verdict> {
    const { sessionTimeoutMs } = this.options;
    const reader = await this.zk(false, 10_000);
    let pid: number | undefined;
    let traffic: OpenLoopTraffic | undefined;
    try {
      const instances = await registeredInstances(reader, SERVICE, true);
      if (instances.length < 2)
        throw new Error(
          `${SERVICE} has ${instances.length} instance(s) registered on this machine; the experiment needs two, so traffic has somewhere to go (npm start runs two)`,
        );
      // The first instance with a live process behind its node: a node left by a killed process (its session not yet expired) is passed over.
      const live = instances.flatMap((instance) => {
        const p = this.hands.listener(instance.address, instance.port);
        return p === undefined ? [] : [{ instance, pid: p }];
      });
      const [chosen] = live;
      if (chosen === undefined || live.length < 2)
        throw new Error(
          `of ${instances.map((i) => `${i.id} (${i.address}:${i.port})`).join(', ')}, fewer than two have a process listening where they registered`,
        );
      const target = chosen.instance;
      const path = znodePaths.serviceInstance(SERVICE, target.id);
      const owner = (await reader.exists(path))?.ephemeralOwner;
      if (owner === undefined) throw new Error(`${path} vanished before the freeze`);
      const others = live.slice(1).map((l) => l.instance.id);

      traffic = new OpenLoopTraffic(`${this.options.gatewayUrl}${ROUTE}`, this.options.ratePerSecond ?? 20, {
        'x-request-id': `console-instance-freeze-${Date.now()}`,
      });
      // At least a second of traffic before the freeze, with some of it served by the target, so the first row shows the spread.
      await until(
        ctx,
        () => (traffic?.now() ?? 0) >= 1000 && traffic?.calls.some((c) => c.instance === target.id) === true,
        10_000,
        `${target.id} serving traffic`,
      );
      ctx.step(
        `${instances.length} instances of ${SERVICE}; ${target.id} (pid ${chosen.pid}, session 0x${owner}) serves part of ${this.options.ratePerSecond ?? 20} requests/s through the gateway`,
      );

      pid = chosen.pid;
      this.hands.pause(pid);
      const frozenAt = traffic.now();
      ctx.step(`froze ${target.id} (SIGSTOP): it holds its sockets and answers nothing, not even ZooKeeper's pings`);
      const vanished = await until(ctx, async () => (await reader.exists(path)) === null, sessionTimeoutMs * 3, `${path} vanishing`);
      const vanishedAt = frozenAt + vanished;
      ctx.step(`${path} vanished ${vanished} ms after the freeze (session timeout ${sessionTimeoutMs} ms): ZooKeeper expired the session`);
      await pause(ctx, FROZEN_AFTER_MS + MOVE_SLACK_MS);

      this.hands.resume(pid);
      const thawedAt = traffic.now();
      pid = undefined;
      ctx.step(`thawed ${target.id} (SIGCONT)`);
      let newOwner = '';
      const back = await until(
        ctx,
        async () => {
          const stat = await reader.exists(path);
          if (stat && stat.ephemeralOwner !== owner) newOwner = stat.ephemeralOwner;
          return newOwner !== '';
        },
        30_000,
        `${target.id} registering again`,
      );
      ctx.step(`${target.id} registered again ${back} ms after the thaw, under a new session 0x${newOwner}`);
      const registeredAt = traffic.now();
      let servedAgain = true;
      try {
        await until(
          ctx,
          () => traffic?.calls.some((c) => c.startedMs >= registeredAt && c.instance === target.id) === true,
          10_000,
          `${target.id} taking traffic`,
        );
      } catch {
        servedAgain = false;
      }
      await traffic.stop();

      const calls = traffic.calls;
      const failed = (c: TrafficCall): boolean => c.status === 0 || c.status >= 500;
      const phase = (from: number, to: number) => {
        const cs = calls.filter((c) => c.startedMs >= from && c.startedMs < to);
        return {
          started: cs.length,
          answered: cs.filter((c) => !failed(c)).length,
          failed: cs.filter(failed).length,
          'by the frozen one': cs.filter((c) => c.instance === target.id).length,
          'by the others': cs.filter((c) => c.instance !== undefined && c.instance !== target.id).length,
          'max latency (ms)': cs.reduce((m, c) => Math.max(m, c.latencyMs), 0),
        };
      };
      const before = phase(0, frozenAt);
      const hung = phase(frozenAt, vanishedAt + MOVE_SLACK_MS);
      const moved = phase(vanishedAt + MOVE_SLACK_MS, thawedAt);
      const after = phase(registeredAt, Number.POSITIVE_INFINITY);
      ctx.step(
        `frozen and still registered: ${hung.started} requests, ${hung.failed} failed; after the move: ${moved.started} requests, all to ${others.join(', ')}: ${moved.failed} failed`,
      );

      const inTime = vanished <= sessionTimeoutMs + 2000;
      const clean = moved.started > 0 && moved.failed === 0 && moved['by the frozen one'] === 0;
      const held = inTime && clean && servedAgain;
      return {
        held,
        summary: held
          ? `${target.id} froze; ZooKeeper expired its session and its node vanished ${vanished} ms later (timeout ${sessionTimeoutMs} ms); from then all ${moved.started} requests went to ${others.join(', ')} with 0 failures (the ${hung['by the frozen one']} sent to it before that waited up to ${hung['max latency (ms)']} ms, ${hung.failed} failed); thawed, it registered again under a new session in ${back} ms and served again.`
          : `The property did not hold: ${[
              !inTime && `the node vanished only after ${vanished} ms (session timeout ${sessionTimeoutMs} ms)`,
              moved.started === 0 && 'no request was sent while it was frozen and deregistered',
              moved.failed > 0 && `${moved.failed} requests failed after the node vanished`,
              moved['by the frozen one'] > 0 && `${moved['by the frozen one']} requests still reached the frozen instance`,
              !servedAgain && `${target.id} did not take traffic within 10 s of registering again`,
            ]
              .filter(Boolean)
              .join('; ')}.`,
        evidence: [
          { phase: 'before the freeze', session: `0x${owner}`, ...before },
          { phase: `frozen, registered (${vanished} ms + ${MOVE_SLACK_MS} ms)`, session: `0x${owner}`, ...hung },
          { phase: 'frozen, node gone', session: 'expired', ...moved },
          { phase: 'thawed, registered again', session: `0x${newOwner}`, ...after },
        ],
      };
    } finally {
      if (pid !== undefined) {
        this.hands.resume(pid);
        ctx.step('thawed the instance (the run ended early)');
      }
      await traffic?.stop();
      await reader.close();
    }
  }
}
