import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { znodePaths } from '@dsp/contracts';
import { asService, connectedZk, eventually, HttpClient, startPlatform, type PlatformFleet } from '@dsp/testing';
import { acl, isZkError, type ZookeeperClient } from '@dsp/zookeeper';

/**
 * ZooKeeper attacks, each ATTACK_REPEATS times, with an anonymous session and
 * with another service's identity: every write is refused with NoAuth and
 * leaves the node as it was; beside each, the rightful identity succeeds.
 */
const N = Number(process.env['ATTACK_REPEATS'] ?? 3);

async function refusal(op: Promise<unknown>): Promise<string> {
  return op.then(
    () => 'ALLOWED',
    (e: unknown) => (isZkError(e) ? e.codeName : String(e)),
  );
}

/** Data, ACL and children versions: a refused write leaves all three as they were. */
async function versions(zk: ZookeeperClient, path: string): Promise<string> {
  await zk.sync(path);
  const s = await zk.exists(path);
  return s ? `${s.version}/${s.aversion}/${s.cversion}` : 'gone';
}

describe('attacks on ZooKeeper are refused (security slice 2)', () => {
  let fleet: PlatformFleet;
  let anon: ZookeeperClient;
  let operator: ZookeeperClient;
  let asOrders: ZookeeperClient;
  let asUsers: ZookeeperClient;
  const targets: string[] = [];

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1 });
    anon = await connectedZk({ auth: [] });
    operator = await connectedZk();
    asOrders = await connectedZk(asService('order-service'));
    asUsers = await connectedZk(asService('user-service'));
    // The live nodes of the running fleet: a registration, a worker id, the relay's election, a job membership.
    await eventually(async () => {
      const found = [];
      for (const parent of [
        znodePaths.service('user-service'),
        znodePaths.workers('order-service'),
        znodePaths.election('order-outbox-relay', 'order-service'),
        znodePaths.jobMembers('cancel-unpaid-orders', 'order-service'),
      ]) {
        const children = await operator.getChildren(parent);
        if (children.length === 0) throw new Error(`nothing under ${parent} yet`);
        found.push(`${parent}/${children[0] as string}`);
      }
      targets.splice(0, targets.length, ...found);
    }, 30_000);
  });

  afterAll(async () => {
    for (const c of [anon, operator, asOrders, asUsers]) await c?.close();
    await fleet?.stop();
  });

  describe('when an anonymous session or another service registers a fake instance', () => {
    it(`should refuse ${N}x with NoAuth and leave nothing; the service itself may register`, async () => {
      const fake = znodePaths.serviceInstance('user-service', `user-service-9-${randomUUID().slice(0, 6)}`);
      const payload = JSON.stringify({ id: 'x', name: 'user-service', address: '127.0.0.1', port: 9999 });
      for (let i = 0; i < N; i++) {
        expect(await refusal(anon.create(fake, payload, 'EPHEMERAL'))).toBe('ZNOAUTH');
        expect(await refusal(asOrders.create(fake, payload, 'EPHEMERAL'))).toBe('ZNOAUTH');
      }
      expect(await operator.exists(fake)).toBeNull();
      // Control: user-service's own identity may.
      await asUsers.create(fake, payload, 'EPHEMERAL');
      await asUsers.delete(fake);
    });
  });

  describe('when an anonymous session or another service deletes, rewrites or re-ACLs live coordination nodes', () => {
    it(`should refuse every delete, set and setAcl ${N}x with NoAuth and leave each node's versions unchanged`, async () => {
      const before = await Promise.all(targets.map((t) => versions(operator, t)));
      for (let i = 0; i < N; i++) {
        for (const t of targets) {
          for (const attacker of [anon, t.startsWith('/services/') ? asOrders : asUsers]) {
            expect({ t, op: 'delete', r: await refusal(attacker.delete(t)) }).toEqual({ t, op: 'delete', r: 'ZNOAUTH' });
            expect({ t, op: 'set', r: await refusal(attacker.setData(t, 'pwned')) }).toEqual({ t, op: 'set', r: 'ZNOAUTH' });
            expect({ t, op: 'setAcl', r: await refusal(attacker.setAcl(t, [acl.world('cdrwa')])) }).toEqual({
              t,
              op: 'setAcl',
              r: 'ZNOAUTH',
            });
          }
        }
        for (const root of ['/services', '/locks', '/election', '/workers', '/jobs', '/config']) {
          expect(await refusal(anon.create(`${root}/intruder`, 'x'))).toBe('ZNOAUTH');
          expect(await refusal(anon.setAcl(root, [acl.world('cdrwa')]))).toBe('ZNOAUTH');
        }
        expect(await refusal(asUsers.create('/locks/order-service/flash-sale-intruder', 'x'))).toBe('ZNOAUTH');
      }
      expect(await Promise.all(targets.map((t) => versions(operator, t)))).toEqual(before);
      // Control: anyone still reads, and the owner may write below its own parent.
      for (const t of targets) expect(await anon.exists(t)).not.toBeNull();
      const own = await asOrders.create(`${znodePaths.lock(`it-control-${randomUUID().slice(0, 6)}`, 'order-service')}`, null);
      await asOrders.delete(own);
    });
  });

  describe('when an anonymous session plants a config value, even one nobody has written yet', () => {
    it(`should refuse ${N}x with NoAuth; the app's own identity may write`, async () => {
      const key = `${znodePaths.configProfile('gateway', 'local')}/ratelimit.login.ipAttempts-${randomUUID().slice(0, 4)}`;
      const entry = JSON.stringify({ value: 100_000, schemaVersion: 1, writtenAt: new Date().toISOString(), author: 'attacker' });
      const asGateway = await connectedZk(asService('gateway'));
      try {
        await asGateway.mkdirp(znodePaths.configProfile('gateway', 'local'));
        for (let i = 0; i < N; i++) {
          expect(await refusal(anon.create(key, entry))).toBe('ZNOAUTH');
          expect(await refusal(asUsers.create(key, entry))).toBe('ZNOAUTH');
          expect(await refusal(anon.create('/config/gateway-new-app', entry))).toBe('ZNOAUTH');
        }
        expect(await operator.exists(key)).toBeNull();
        await asGateway.create(key, entry); // control
        await asGateway.delete(key);
      } finally {
        await asGateway.close();
      }
    });
  });

  describe('when someone plants a persistent instance node as the operator (a poisoned registry)', () => {
    it('should never route to it: discovery ignores (and logs) nodes that are not ephemeral', async () => {
      // The attacker's "instance": answers every request as if it were user-service, and counts them.
      let hits = 0;
      const bait = createServer((_req, res) => {
        hits++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"username":"hijacked"}');
      });
      await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve));
      const fake = znodePaths.serviceInstance('user-service', 'user-service-9');
      await operator.create(
        fake,
        JSON.stringify({
          schemaVersion: 1,
          id: 'user-service-9',
          name: 'user-service',
          address: '127.0.0.1',
          port: (bait.address() as AddressInfo).port,
          zone: 'local',
          tags: [],
          registeredAt: new Date().toISOString(),
          version: '1',
        }),
        'PERSISTENT',
      );
      try {
        // The gateway has seen the node (its child watch fired) and refused it.
        await eventually(async () => expect(fleet.gateway.output()).toMatch(/ignoring an instance node: it is not ephemeral/), 10_000);
        const gw = new HttpClient(fleet.gateway.url);
        for (let i = 0; i < 3 * N; i++) {
          const r = await gw.get('/api/users/me');
          expect(r.status).toBe(401);
          expect(r.headers.get('x-upstream-instance')).not.toBe('user-service-9');
        }
        expect(hits).toBe(0);
      } finally {
        await operator.delete(fake);
        await new Promise((resolve) => bait.close(resolve));
      }
    });
  });
});
