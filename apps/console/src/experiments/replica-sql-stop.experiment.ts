import type { Experiment, ExperimentContext, Verdict } from './experiment';
import { GatewayShopper, type ShopAnswer } from './gateway-shopper';
import type { ReplicaControl } from './replica-control';
import { until } from './waits';

export interface ReplicaSqlStopOptions {
  /** The gateway the shopper goes through. */
  gatewayUrl: string;
  /** Each MariaDB cluster: the databases it holds and its replica's `host:port`. */
  clusters: readonly { databases: readonly string[]; replica: string }[];
  /** The services' `DB_MAX_REPLICA_LAG_MS` and `DB_PROBE_INTERVAL_MS`: a replica this far behind gets no reads within two probes. */
  maxLagMs: number;
  probeMs: number;
}

/** How long the writes go on past the cutoff, so the evidence shows reads staying off the replica. */
const PAST_CUTOFF_MS = 2000;

interface Read {
  readonly atMs: number;
  readonly node: string;
  readonly reason: string;
  readonly stale: boolean;
}

/**
 * Stops the SQL thread of the replica that serves one shopper's orders while
 * that shopper keeps writing and reading through the gateway (docs/notes.md#n3,
 * #n2: read/write splitting inside the client): the replica keeps receiving the
 * binlog but applies nothing, so it falls behind for real. Guarantees of the
 * property it checks: every order is read back right after its POST (by id and
 * in the listing: read-your-writes, 0 stale), the reads leave the replica for
 * the primary (first because the replica lacks the session's read position,
 * then, past the services' max lag plus two probes, because no service uses it
 * at all), and once the thread runs again the replica serves reads again. The
 * SQL thread is started again before the run ends, whatever happened.
 */
export class ReplicaSqlStopExperiment implements Experiment {
  readonly name = 'replica-sql-stop';
  readonly title = "Stop a replica's SQL thread";
  readonly description =
    "STOP SLAVE SQL_THREAD on the replica of a shopper's order shard while it orders through the gateway: reads move to the primary, read-your-writes holds, then the replica serves again.";
  readonly notes = ['n3', 'n2'];

  constructor(
    private readonly replicas: ReplicaControl,
    private readonly options: ReplicaSqlStopOptions,
  ) {}

  async run(ctx: ExperimentContext): Promise<Verdict> {
    const { maxLagMs, probeMs } = this.options;
    const shopper = await GatewayShopper.register(this.options.gatewayUrl, 'console_replica');
    ctx.step(`registered and logged in ${shopper.username} (user ${shopper.id}) through the gateway`);

    // Healthy: the shopper's reads reach the replica once it has applied the shopper's last write.
    const first = await this.order(shopper);
    const healthy: Read[] = [];
    const began = Date.now();
    const at = (): number => Date.now() - began;
    await until(
      ctx,
      async () => {
        const r = this.read(await shopper.getOrder(first), first, at());
        healthy.push(r);
        return r.reason === 'replica';
      },
      10_000,
      'a read served by the replica',
    );
    const node = healthy[healthy.length - 1]?.node ?? '';
    const db = node.slice(0, node.indexOf(':'));
    const cluster = this.options.clusters.find((c) => c.databases.includes(db));
    if (!cluster) throw new Error(`the order was read from ${node}, of no cluster this console knows (MYSQL_SERVERS)`);
    ctx.step(`order ${first} read back from ${node}: this shopper's orders live in ${db}, whose replica is ${cluster.replica}`);

    const stopped: Read[] = [];
    let stoppedAt = 0;
    let running = true;
    let behind: number | undefined;
    let last = first;
    try {
      await this.replicas.stopSql(cluster.replica);
      running = false;
      stoppedAt = at();
      const cutoffAt = stoppedAt + maxLagMs + 2 * probeMs;
      ctx.step(
        `STOP SLAVE SQL_THREAD on ${cluster.replica}: it still receives the binlog, applies nothing; past ${maxLagMs} ms + 2 probes of ${probeMs} ms no service may read from it`,
      );
      while (at() < cutoffAt + PAST_CUTOFF_MS) {
        if (ctx.signal.aborted) throw new Error('aborted while ordering');
        last = await this.order(shopper);
        stopped.push(this.read(await shopper.getOrder(last), last, at()));
        const list = await shopper.listOrders();
        stopped.push({ ...this.read(list, last, at()), stale: list.status !== 200 || list.body?.orders[0]?.id !== last });
      }
      const threads = await this.replicas.threads(cluster.replica);
      behind = threads.sqlRunning ? undefined : threads.unappliedBytes;
      ctx.step(
        `${cluster.replica}: SQL thread ${threads.sqlRunning ? 'running' : 'stopped'}, ${threads.unappliedBytes ?? '?'} binlog bytes received and not applied`,
      );
    } finally {
      if (!running) {
        await this.replicas.startSql(cluster.replica);
        ctx.step(`START SLAVE SQL_THREAD on ${cluster.replica}`);
      }
    }

    const startedAt = at();
    const after: Read[] = [];
    let back = true;
    try {
      await until(
        ctx,
        async () => {
          const r = this.read(await shopper.getOrder(last), last, at());
          after.push(r);
          return r.reason === 'replica';
        },
        15_000,
        'the replica serving reads again',
      );
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      back = false;
    }
    ctx.step(
      back
        ? `${node} serves reads again ${at() - startedAt} ms after the thread started`
        : `${node} served no read within 15 s of the thread starting`,
    );

    const cutoffAt = stoppedAt + maxLagMs + 2 * probeMs;
    const before = stopped.filter((r) => r.atMs < cutoffAt);
    const past = stopped.filter((r) => r.atMs >= cutoffAt);
    const row = (phase: string, reads: Read[]) => ({
      phase,
      reads: reads.length,
      stale: reads.filter((r) => r.stale).length,
      'by the replica': reads.filter((r) => r.node === node).length,
      'by the primary': reads.filter((r) => r.node !== node).length,
      reasons: [...new Set(reads.map((r) => r.reason))]
        .map((reason) => `${reason} ${reads.filter((r) => r.reason === reason).length}`)
        .join(', '),
    });
    const rows = [
      row('healthy', healthy),
      row(`SQL thread stopped, under ${maxLagMs} ms + 2 probes`, before),
      row('SQL thread stopped, past that', past),
      row('SQL thread running again', after),
    ];
    const stale = [...healthy, ...stopped, ...after].filter((r) => r.stale).length;
    const offReplica = past.length > 0 && past.every((r) => r.reason === 'no-usable-replica');
    const held = stale === 0 && offReplica && behind !== undefined && behind > 0 && back;
    const writes = stopped.length / 2;
    return {
      held,
      summary: held
        ? `With ${node.replace(/:.*/, '')}'s replica applying nothing (${behind} bytes behind), all ${writes} orders written were read back at once (0 stale of ${stopped.length} reads): from the primary, because the replica lacked this session's read position, and past ${maxLagMs} ms + 2 probes because no service used the replica at all; once its SQL thread ran again it served reads again.`
        : `The property did not hold: ${[
            stale > 0 && `${stale} reads were stale`,
            !offReplica && `past ${maxLagMs} ms + 2 probes some reads still did not say no-usable-replica`,
            !(behind !== undefined && behind > 0) && 'the replica was not behind when checked',
            !back && 'the replica served no read within 15 s of its SQL thread starting',
          ]
            .filter(Boolean)
            .join('; ')}.`,
      evidence: rows,
    };
  }

  private async order(shopper: GatewayShopper): Promise<string> {
    const r = await shopper.placeOrder();
    if (r.status !== 201 || !r.body?.id) throw new Error(`placing an order through the gateway: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  private read(answer: ShopAnswer<unknown>, id: string, atMs: number): Read {
    const [node = '?', reason = '?'] = (answer.route ?? '?;?').split(';');
    const body = answer.body as { id?: string } | undefined;
    return { atMs, node, reason, stale: answer.status !== 200 || (body?.id !== undefined && body.id !== id) };
  }
}
