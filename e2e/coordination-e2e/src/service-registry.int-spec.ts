import { randomUUID } from 'node:crypto';
import { znodePaths } from '@dsp/contracts';
import { eventually, expireSession, suiteZk, testLogger, waitForNewSession } from '@dsp/testing';
import { ServiceRegistry, type ConnectionStateChange } from '@dsp/zookeeper';

/**
 * Session expiry is forced for real: a second handle joins the session with its
 * id and password and closes it. The owner's next contact with the ensemble
 * learns that the session expired.
 */
describe('ServiceRegistry on the real ensemble (registration across session loss)', () => {
  const zk = suiteZk({ sessionTimeoutMs: 4000 });

  describe('when a registered instance loses its session', () => {
    it('should report LOST, open a new session, and register again under it', async () => {
      const client = await zk();
      const observer = await zk();
      const changes: ConnectionStateChange[] = [];
      client.onStateChange((c) => changes.push(c));
      const name = `it-expiry-${randomUUID().slice(0, 8)}`;
      const registry = new ServiceRegistry(
        client,
        { id: 'instance-1', name, address: '127.0.0.1', port: 1234, zone: 'local', tags: [], version: '1' },
        testLogger(),
      );
      await registry.register();
      const path = znodePaths.serviceInstance(name, 'instance-1');
      await observer.sync(path); // another client's write, maybe through another server
      const firstOwner = (await observer.exists(path))?.ephemeralOwner;
      expect(firstOwner).toBe(client.sessionId);

      const renewed = waitForNewSession(client);
      await expireSession(client);
      await renewed;
      // (A same-session SUSPENDED -> RECONNECTED may come first: the intruder bumps the owner's connection.)
      const lost = changes.findIndex((c) => c.to === 'LOST');
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(changes.slice(lost + 1).find((c) => c.to === 'RECONNECTED')?.newSession).toBe(true);

      await eventually(async () => {
        const stat = await observer.exists(path);
        expect(stat?.ephemeralOwner).toBe(client.sessionId);
        expect(stat?.ephemeralOwner).not.toBe(firstOwner);
      });
      await registry.unregister();
    });
  });

  describe('when a node from an older session of the same instance is still there', () => {
    it('should delete the stale node and register its own', async () => {
      const oldSession = await zk();
      const client = await zk();
      const name = `it-stale-${randomUUID().slice(0, 8)}`;
      const path = znodePaths.serviceInstance(name, 'instance-1');
      await oldSession.mkdirp(znodePaths.service(name));
      await oldSession.create(path, '{"stale":true}', 'EPHEMERAL');
      const registry = new ServiceRegistry(
        client,
        { id: 'instance-1', name, address: '127.0.0.1', port: 1, zone: 'local', tags: [], version: '1' },
        testLogger(),
      );
      await registry.register();
      expect((await client.exists(path))?.ephemeralOwner).toBe(client.sessionId);
      await registry.unregister();
    });
  });

  describe('when someone deletes the registration by hand', () => {
    it('should notice through its watch and recreate it', async () => {
      const client = await zk();
      const admin = await zk();
      const name = `it-audit-${randomUUID().slice(0, 8)}`;
      const registry = new ServiceRegistry(
        client,
        { id: 'i', name, address: '127.0.0.1', port: 1, zone: 'local', tags: [], version: '1' },
        testLogger(),
        { auditIntervalMs: 60_000 },
      );
      await registry.register();
      const path = znodePaths.serviceInstance(name, 'i');
      await admin.delete(path);
      await eventually(async () => expect((await admin.exists(path))?.ephemeralOwner).toBe(client.sessionId), 5000);
      await registry.unregister();
    });
  });
});
