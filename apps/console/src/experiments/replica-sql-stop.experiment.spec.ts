import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExperimentContext } from './experiment';
import type { ReplicaControl } from './replica-control';
import { ReplicaSqlStopExperiment } from './replica-sql-stop.experiment';

const context = (): ExperimentContext => ({ step: () => undefined, chart: () => undefined, signal: new AbortController().signal });

/** A replica whose SQL thread the fake gateway below consults: stopped, its reads go to the primary. */
class FakeReplica implements ReplicaControl {
  readonly log: string[] = [];
  sqlRunning = true;
  async stopSql(replica: string): Promise<void> {
    this.log.push(`stop ${replica}`);
    this.sqlRunning = false;
  }
  async startSql(replica: string): Promise<void> {
    this.log.push(`start ${replica}`);
    this.sqlRunning = true;
  }
  async threads(): Promise<{ sqlRunning: boolean; ioRunning: boolean; unappliedBytes: number }> {
    return { sqlRunning: this.sqlRunning, ioRunning: true, unappliedBytes: this.sqlRunning ? 0 : 4096 };
  }
}

describe('ReplicaSqlStopExperiment', () => {
  let gateway: Server;
  let url: string;
  const replica = new FakeReplica();
  /** What the fake gateway does to an order POST while the SQL thread is stopped. */
  let failWritesWhileStopped = false;
  /** Whether reads while stopped come from the replica anyway (a broken read/write split). */
  let staleReads = false;

  beforeAll(async () => {
    let seq = 0;
    gateway = createServer((req, res) => {
      const send = (status: number, body: unknown, route?: string): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...(route ? { 'x-db-route': route } : {}) });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST' && req.url === '/api/users') return send(201, { id: '42' });
      if (req.method === 'POST' && req.url === '/api/sessions') return send(200, {});
      if (req.method === 'POST' && req.url === '/api/orders') {
        if (failWritesWhileStopped && !replica.sqlRunning) return send(503, { message: 'no primary' });
        return send(201, { id: String(++seq) });
      }
      const onReplica = replica.sqlRunning || staleReads;
      const route = onReplica ? 'order_db_0:replica0;replica' : 'order_db_0:primary;no-usable-replica';
      if (req.url?.startsWith('/api/orders?'))
        return send(200, { orders: [{ id: String(onReplica && !replica.sqlRunning ? seq - 1 : seq) }] }, route);
      const id = req.url?.slice('/api/orders/'.length) ?? '';
      if (onReplica && !replica.sqlRunning && Number(id) === seq) return send(404, { message: 'no such order' }, route);
      return send(200, { id }, route);
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => gateway.close(r));
  });

  beforeEach(() => {
    replica.log.length = 0;
    replica.sqlRunning = true;
    failWritesWhileStopped = false;
    staleReads = false;
  });

  const experiment = (): ReplicaSqlStopExperiment =>
    new ReplicaSqlStopExperiment(replica, {
      gatewayUrl: url,
      clusters: [
        { databases: ['user_db', 'order_db_0'], replica: '127.0.0.1:3308' },
        { databases: ['order_db_1'], replica: '127.0.0.1:3310' },
      ],
      maxLagMs: 100,
      probeMs: 50,
    });

  it('should hold when every read after a write is fresh and no read reaches the stopped replica past the bound', async () => {
    const verdict = await experiment().run(context());
    expect(verdict.summary).toMatch(/^With order_db_0's replica applying nothing \(4096 bytes behind\)/);
    expect(verdict.held).toBe(true);
    expect(replica.log).toEqual(['stop 127.0.0.1:3308', 'start 127.0.0.1:3308']);
  });

  it('should not hold, and say how many, when reads come from the stopped replica', async () => {
    staleReads = true;
    const verdict = await experiment().run(context());
    expect(verdict.held).toBe(false);
    expect(verdict.summary).toMatch(
      /^The property did not hold: [1-9]\d* reads were stale; past 100 ms \+ 2 probes some reads still did not say no-usable-replica\.$/,
    );
    expect(replica.log).toEqual(['stop 127.0.0.1:3308', 'start 127.0.0.1:3308']);
  });

  it('should start the SQL thread again when a write fails mid-run', async () => {
    failWritesWhileStopped = true;
    await expect(experiment().run(context())).rejects.toThrow('placing an order through the gateway: 503 {"message":"no primary"}');
    expect(replica.log).toEqual(['stop 127.0.0.1:3308', 'start 127.0.0.1:3308']);
    expect(replica.sqlRunning).toBe(true);
  });
});
