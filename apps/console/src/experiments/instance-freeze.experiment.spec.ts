import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_INSTANCE_CODEC, type ZookeeperClient } from '@dsp/zookeeper';
import type { ExperimentContext } from './experiment';
import { InstanceFreezeExperiment } from './instance-freeze.experiment';
import type { StackHands } from './stack-hands';

/** A registry of user-service instances, as the experiment reads it (children, payloads, stats). */
function fakeRegistry(ids: string[], vanishes: boolean): { zk: ZookeeperClient; frozen: () => void } {
  let frozenAt: number | undefined;
  const payload = (id: string, port: number): Buffer =>
    SERVICE_INSTANCE_CODEC.encode({
      schemaVersion: 1,
      id,
      name: 'user-service',
      address: '127.0.0.1',
      port,
      zone: 'local',
      tags: [],
      registeredAt: new Date().toISOString(),
      version: 'spec',
    });
  const zk = {
    getChildren: async () => [...ids],
    getData: async (path: string) => ({
      data: payload(path.slice(path.lastIndexOf('/') + 1), 4000 + ids.indexOf(path.slice(path.lastIndexOf('/') + 1))),
    }),
    exists: async () => (vanishes && frozenAt !== undefined && Date.now() - frozenAt > 200 ? null : { ephemeralOwner: '1234' }),
    close: async () => undefined,
  } as unknown as ZookeeperClient;
  return { zk, frozen: () => void (frozenAt = Date.now()) };
}

/** Hands whose processes listen on every port but those in `dead` (a node left by a killed process). */
const hands = (frozen: () => void, log: string[], dead: number[] = []): StackHands => ({
  stackHere: () => true,
  kill: () => undefined,
  running: () => true,
  restart: async () => undefined,
  votes: () => [],
  listener: (_address, port) => (dead.includes(port) ? undefined : 90_000 + port),
  pause: (pid) => {
    log.push(`pause ${pid}`);
    frozen();
  },
  resume: (pid) => void log.push(`resume ${pid}`),
});

const context = (signal = new AbortController().signal): ExperimentContext => ({ step: () => undefined, chart: () => undefined, signal });

describe('InstanceFreezeExperiment', () => {
  let gateway: Server;
  let url: string;

  beforeAll(async () => {
    // A gateway stand-in that spreads requests over the two instances and answers 401, as /api/users/me does without a cookie.
    let n = 0;
    gateway = createServer((_req, res) => {
      res.writeHead(401, { 'x-upstream-instance': n++ % 2 === 0 ? 'us-a' : 'us-b' }).end();
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => gateway.close(r));
  });

  it('should refuse to run with fewer than two instances, saying why, and freeze nothing', async () => {
    const log: string[] = [];
    const { zk, frozen } = fakeRegistry(['us-a'], true);
    const exp = new InstanceFreezeExperiment(hands(frozen, log), async () => zk, { gatewayUrl: url, sessionTimeoutMs: 100 });
    await expect(exp.run(context())).rejects.toThrow(
      /user-service has 1 instance\(s\) registered on this machine; the experiment needs two/,
    );
    expect(log).toEqual([]);
  });

  it('should thaw the frozen instance when its node never vanishes, and name what did not happen', async () => {
    const log: string[] = [];
    const { zk, frozen } = fakeRegistry(['us-a', 'us-b'], false);
    const exp = new InstanceFreezeExperiment(hands(frozen, log), async () => zk, { gatewayUrl: url, sessionTimeoutMs: 100 });
    await expect(exp.run(context())).rejects.toThrow('/services/user-service/us-a vanishing did not happen within 300 ms');
    expect(log).toEqual(['pause 94000', 'resume 94000']);
  });

  it('should pass over a registered instance with no process behind it, and refuse when fewer than two are left', async () => {
    const log: string[] = [];
    const { zk, frozen } = fakeRegistry(['us-0', 'us-a', 'us-b'], false);
    // us-0 (port 4000) was killed: its node outlives it until its session expires.
    const exp = new InstanceFreezeExperiment(hands(frozen, log, [4000]), async () => zk, { gatewayUrl: url, sessionTimeoutMs: 100 });
    await expect(exp.run(context())).rejects.toThrow('/services/user-service/us-a vanishing did not happen within 300 ms');
    expect(log).toEqual(['pause 94001', 'resume 94001']);

    const alone = new InstanceFreezeExperiment(hands(frozen, log, [4000, 4001]), async () => zk, {
      gatewayUrl: url,
      sessionTimeoutMs: 100,
    });
    await expect(alone.run(context())).rejects.toThrow(
      'of us-0 (127.0.0.1:4000), us-a (127.0.0.1:4001), us-b (127.0.0.1:4002), fewer than two have a process listening where they registered',
    );
    expect(log).toHaveLength(2);
  });

  it('should thaw the frozen instance when the console closes mid-run', async () => {
    const log: string[] = [];
    const { zk, frozen } = fakeRegistry(['us-a', 'us-b'], false);
    const exp = new InstanceFreezeExperiment(hands(frozen, log), async () => zk, { gatewayUrl: url, sessionTimeoutMs: 60_000 });
    const abort = new AbortController();
    const run = exp.run(context(abort.signal));
    while (log.length === 0) await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    await expect(run).rejects.toThrow(/aborted while waiting for/);
    expect(log).toEqual(['pause 94000', 'resume 94000']);
  });
});
