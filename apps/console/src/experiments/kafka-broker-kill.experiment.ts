import { TOPICS } from '@dsp/contracts';
import type { Experiment, ExperimentContext, Verdict } from './experiment';
import { GatewayShopper } from './gateway-shopper';
import type { KafkaLeaders } from './kafka-leaders';
import type { StackHands } from './stack-hands';
import { pause, until } from './waits';

export interface KafkaBrokerKillOptions {
  /** The gateway the shopper orders through. */
  gatewayUrl: string;
  /** Orders in flight at once (each waits for its answer). @default 4 */
  concurrency?: number;
  /** How long the stream runs before the kill, and after the broker is back. @default 2000 */
  calmMs?: number;
  /** How long the killed broker's partitions may take to get other leaders. @default 30000 */
  leaderMoveTimeoutMs?: number;
  /** How long every acknowledged order may take to show in the shopper's projected stats. @default 60000 */
  settleTimeoutMs?: number;
}

const TOPIC = TOPICS.orderCreated;

interface Placed {
  readonly startedMs: number;
  readonly ok: boolean;
  /** Answers before the acknowledgement (retries of the same idempotency key). */
  readonly retries: number;
}

/**
 * Kills (SIGKILL) the Kafka broker that leads the most partitions of
 * `order.created.v1` while one shopper orders through the gateway, then starts
 * it again (docs/notes.md#n5, docs/messaging.md): an acknowledged order is
 * in MariaDB with its outbox row, so the relay publishes it once a leader is
 * back, and user-service's projector applies each event once (its inbox), so
 * the shopper's projected `ordersCount` ends equal to its acknowledged orders:
 * 0 lost, 0 duplicate effects. The property held when the killed broker's
 * partitions got other leaders, every order was acknowledged (retrying the
 * same idempotency key), and the count reached exactly that number and stayed
 * there. The broker is started again whatever happened.
 */
export class KafkaBrokerKillExperiment implements Experiment {
  readonly name = 'kafka-broker-kill';
  readonly title = 'Kill a Kafka broker during a stream of orders';
  readonly description = `SIGKILL the broker leading most of ${TOPIC} while a shopper orders through the gateway: the outbox publishes every order once a leader is back, and the projection counts each exactly once.`;
  readonly notes = ['n5'];

  constructor(
    private readonly hands: StackHands,
    private readonly kafka: KafkaLeaders,
    private readonly options: KafkaBrokerKillOptions,
  ) {}

  async run(ctx: ExperimentContext): Promise<Verdict> {
    const calmMs = this.options.calmMs ?? 2000;
    const moveTimeoutMs = this.options.leaderMoveTimeoutMs ?? 30_000;
    const moveBound = `${moveTimeoutMs / 1000} s`;
    const before = await this.kafka.leaders(TOPIC);
    const led = new Map<number, number>();
    for (const l of before.values()) if (l >= 0) led.set(l, (led.get(l) ?? 0) + 1);
    const [victim] = [...led].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    if (!victim) throw new Error(`${TOPIC} has no partition with a leader: Kafka is not serving`);
    const [node, partitions] = victim;
    const server = `kafka-${node}`;
    if (!this.hands.running(server))
      throw new Error(`${server} leads ${partitions} partitions of ${TOPIC} but is not a process of this machine's stack`);
    const shopper = await GatewayShopper.register(this.options.gatewayUrl, 'console_broker');
    ctx.step(
      `${server} leads ${partitions} of ${before.size} partitions of ${TOPIC}; shopper ${shopper.username} orders through the gateway, ${this.options.concurrency ?? 4} at a time`,
    );

    const began = Date.now();
    const at = (): number => Date.now() - began;
    const placed: Placed[] = [];
    let streaming = true;
    const stream = Promise.all(
      Array.from({ length: this.options.concurrency ?? 4 }, async () => {
        while (streaming && !ctx.signal.aborted) placed.push(await this.place(shopper, at()));
      }),
    );
    let killedAt: number | undefined;
    let backAt: number | undefined;
    let moved: number | undefined;
    try {
      await pause(ctx, calmMs);
      this.hands.kill(server);
      killedAt = at();
      ctx.step(`killed ${server} (SIGKILL)`);
      try {
        moved = await until(
          ctx,
          async () => {
            const now = await this.kafka.leaders(TOPIC).catch(() => new Map<number, number>());
            return [...before].filter(([, l]) => l === node).every(([p]) => (now.get(p) ?? node) !== node && (now.get(p) ?? -1) >= 0);
          },
          moveTimeoutMs,
          `new leaders for ${server}'s partitions`,
          250,
        );
        ctx.step(`${server}'s ${partitions} partitions have new leaders ${moved} ms after the kill`);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        ctx.step(`${server}'s partitions had no new leader within ${moveBound}`);
      }
      await this.hands.restart(server);
      backAt = at();
      ctx.step(`${server} is back ${backAt - killedAt} ms after the kill`);
      await pause(ctx, calmMs);
    } finally {
      streaming = false;
      await stream;
      if (!this.hands.running(server)) {
        await this.hands.restart(server);
        ctx.step(`started ${server} again (the run ended early)`);
      }
    }

    const acked = placed.filter((p) => p.ok).length;
    const unacked = placed.length - acked;
    ctx.step(`${acked} orders acknowledged (${unacked} never were); waiting for the projection to count them`);
    let count = -1;
    const read = async (): Promise<number> => {
      const me = await shopper.me();
      return Number(me.body?.orderStats?.ordersCount ?? -1);
    };
    let settled: number | undefined;
    try {
      settled = await until(
        ctx,
        async () => (count = await read()) >= acked,
        this.options.settleTimeoutMs ?? 60_000,
        `the projection counting ${acked} orders`,
        250,
      );
    } catch (e) {
      if (ctx.signal.aborted) throw e;
    }
    // A duplicate effect would come late (a redelivery): the count must stay put.
    await pause(ctx, 2000);
    const final = await read();
    ctx.step(`projected ordersCount ${final} (reached ${count} after ${settled ?? 'more than the timeout'} ms, then 2 s more)`);

    const phase = (name: string, from: number, to: number) => {
      const ps = placed.filter((p) => p.startedMs >= from && p.startedMs < to);
      return {
        phase: name,
        orders: ps.length,
        acknowledged: ps.filter((p) => p.ok).length,
        'retried first': ps.filter((p) => p.retries > 0).length,
        'never acknowledged': ps.filter((p) => !p.ok).length,
        'counted by the projection': '—',
      };
    };
    const k = killedAt ?? Number.POSITIVE_INFINITY;
    const b = backAt ?? Number.POSITIVE_INFINITY;
    const lost = Math.max(0, acked - final);
    const duplicated = Math.max(0, final - acked);
    const held = moved !== undefined && unacked === 0 && acked > 0 && lost === 0 && duplicated === 0;
    return {
      held,
      summary: held
        ? `${server} died leading ${partitions} partitions of ${TOPIC}; their leadership moved in ${moved} ms; all ${acked} orders were acknowledged, and the projection counted exactly ${final}: 0 lost, 0 duplicate effects (outbox and inbox), ${settled} ms after the stream ended.`
        : `The property did not hold: ${[
            moved === undefined && `${server}'s partitions got no new leader within ${moveBound}`,
            unacked > 0 && `${unacked} orders were never acknowledged`,
            acked === 0 && 'no order was acknowledged',
            lost > 0 && `${lost} acknowledged orders are missing from the projection`,
            duplicated > 0 && `${duplicated} orders were counted twice`,
          ]
            .filter(Boolean)
            .join('; ')}.`,
      evidence: [
        phase('before the kill', 0, k),
        phase(`${server} down`, k, b),
        phase(`${server} back`, b, Number.POSITIVE_INFINITY),
        {
          phase: 'projected (ordersCount)',
          orders: placed.length,
          acknowledged: acked,
          'retried first': placed.filter((p) => p.retries > 0).length,
          'never acknowledged': unacked,
          'counted by the projection': final,
        },
      ],
    };
  }

  /** One order, its idempotency key retried until acknowledged or 30 s passed. */
  private async place(shopper: GatewayShopper, startedMs: number): Promise<Placed> {
    const key = shopper.newKey();
    const deadline = Date.now() + 30_000;
    for (let retries = 0; ; retries++) {
      const r = await shopper.placeOrder(key).catch(() => undefined);
      if (r?.status === 201) return { startedMs, ok: true, retries };
      if (Date.now() > deadline) return { startedMs, ok: false, retries };
      await new Promise((res) => setTimeout(res, r?.status === 409 ? 500 : 200));
    }
  }
}
