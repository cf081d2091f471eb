import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExperimentContext } from './experiment';
import { KafkaBrokerKillExperiment } from './kafka-broker-kill.experiment';
import type { KafkaLeaders } from './kafka-leaders';
import type { StackHands } from './stack-hands';

const context = (): ExperimentContext => ({ step: () => undefined, chart: () => undefined, signal: new AbortController().signal });

/** Three brokers; node 1 leads partitions 0 and 1. Once killed, its partitions move to node 2 (unless `stuck`). */
function cluster(stuck: boolean): { hands: StackHands; leaders: KafkaLeaders; log: string[] } {
  const log: string[] = [];
  const down = new Set<string>();
  const hands: StackHands = {
    stackHere: () => true,
    kill: (s) => void (down.add(s), log.push(`kill ${s}`)),
    running: (s) => !down.has(s),
    restart: async (s) => void (down.delete(s), log.push(`restart ${s}`)),
    votes: () => [],
    listener: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
  };
  const leaders: KafkaLeaders = {
    leaders: async () =>
      new Map([
        [0, down.has('kafka-1') && !stuck ? 2 : 1],
        [1, down.has('kafka-1') && !stuck ? 2 : 1],
        [2, 3],
      ]),
  };
  return { hands, leaders, log };
}

describe('KafkaBrokerKillExperiment', () => {
  let gateway: Server;
  let url: string;
  let orders = 0;
  /** How many more effects the fake projection counts than orders were placed (a duplicate). */
  let extra = 0;

  beforeAll(async () => {
    gateway = createServer((req, res) => {
      const send = (status: number, body: unknown): void =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/api/users') return send(201, { id: 'u1' });
        if (req.method === 'POST' && req.url === '/api/sessions') return send(200, {});
        if (req.method === 'POST' && req.url === '/api/orders') return send(201, { id: `o${++orders}` });
        if (req.url === '/api/users/me') return send(200, { orderStats: { ordersCount: String(orders + extra) } });
        send(404, {});
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => gateway.close(r));
  });

  beforeEach(() => {
    orders = 0;
    extra = 0;
  });

  it('should kill the broker leading most partitions, start it again, and hold when the projection counts each order once', async () => {
    const { hands, leaders, log } = cluster(false);
    const exp = new KafkaBrokerKillExperiment(hands, leaders, { gatewayUrl: url, calmMs: 100, settleTimeoutMs: 2000 });
    const v = await exp.run(context());
    expect(v.summary).toMatch(/^kafka-1 died leading 2 partitions of order\.created\.v1; .* the projection counted exactly \d+: 0 lost/);
    expect(v.held).toBe(true);
    expect(log).toEqual(['kill kafka-1', 'restart kafka-1']);
    expect(v.evidence[3]).toMatchObject({
      phase: 'projected (ordersCount)',
      orders,
      acknowledged: orders,
      'counted by the projection': orders,
    });
  });

  it('should not hold when an order is counted twice', async () => {
    extra = 1;
    const { hands, leaders } = cluster(false);
    const exp = new KafkaBrokerKillExperiment(hands, leaders, { gatewayUrl: url, calmMs: 100, settleTimeoutMs: 2000 });
    const v = await exp.run(context());
    expect(v.held).toBe(false);
    expect(v.summary).toContain('1 orders were counted twice');
  });

  it('should not hold, and still start the broker again, when its partitions never get another leader', async () => {
    const { hands, leaders, log } = cluster(true);
    const exp = new KafkaBrokerKillExperiment(hands, leaders, {
      gatewayUrl: url,
      calmMs: 100,
      settleTimeoutMs: 2000,
      leaderMoveTimeoutMs: 500,
    });
    const v = await exp.run(context());
    expect(v.held).toBe(false);
    expect(v.summary).toBe("The property did not hold: kafka-1's partitions got no new leader within 0.5 s.");
    expect(log).toEqual(['kill kafka-1', 'restart kafka-1']);
  });
});
