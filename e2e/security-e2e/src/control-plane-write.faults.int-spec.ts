import { localAdminToken } from '@dsp/contracts';
import { ZK_SERVERS } from '@dsp/infra-stack';
import { stackControl } from '@dsp/ops';
import { eventually, HttpClient, startPlatform, waitServing, type PlatformFleet } from '@dsp/testing';

const ADMIN = { authorization: `Bearer ${process.env['ADMIN_TOKEN'] ?? localAdminToken()}` };
const KEY = '/api/admin/config/user-service/session.idleTimeoutSeconds';

async function healEnsemble(): Promise<void> {
  for (const s of ZK_SERVERS) if (stackControl.pid(`zk-${s.myid}`) === undefined) await stackControl.restart(`zk-${s.myid}`);
  for (const s of ZK_SERVERS) await waitServing(s.clientPort);
}

describe('a control-plane write ZooKeeper cannot take (security slice 1)', () => {
  let fleet: PlatformFleet;
  let gw: HttpClient;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1 });
    gw = new HttpClient(fleet.gateway.url);
    await eventually(async () => expect((await gw.get('/api/users/me')).status).toBe(401), 20_000);
  });

  afterAll(async () => {
    await healEnsemble();
    await fleet?.stop();
  }, 180_000);

  describe('when two of the three voters are down (no quorum)', () => {
    it('should answer 503 naming the cause within the gateway timeout, write nothing, and accept the write once quorum is back', async () => {
      expect((await gw.call('PUT', KEY, { body: { value: 1801 }, headers: ADMIN })).status).toBe(200); // control before
      stackControl.kill('zk-1');
      stackControl.kill('zk-2');
      try {
        const t0 = Date.now();
        const r = await gw.call('PUT', KEY, { body: { value: 1802 }, headers: ADMIN });
        const ms = Date.now() - t0;
        expect(r.status).toBe(503);
        expect(r.body).toMatchObject({
          statusCode: 503,
          error: 'Service Unavailable',
          message: expect.stringMatching(/"session\.idleTimeoutSeconds".*ZooKeeper cannot take writes now/),
        });
        expect(ms).toBeLessThan(8000); // the gateway's upstream timeout is 10 s
        process.stdout.write(`config write without quorum: 503 after ${ms} ms\n`);
      } finally {
        await healEnsemble();
      }
      // Nothing of the refused write landed; the rightful write succeeds again once the ensemble serves.
      await eventually(async () => expect((await gw.call('PUT', KEY, { body: { value: 1803 }, headers: ADMIN })).status).toBe(200), 60_000);
      const history = await gw.get<{ history: { value: unknown }[] }>(`${KEY}/history`, { headers: ADMIN });
      const values = history.body.history.map((h) => h.value);
      expect(values).toContain(1801);
      expect(values).toContain(1803);
      expect(values).not.toContain(1802);
      expect((await gw.call('PUT', KEY, { body: { value: 1800 }, headers: ADMIN })).status).toBe(200); // the default again
    });
  });
});
