import { ZookeeperClient, type ConnectionState, type ZookeeperClientOptions } from '@dsp/zookeeper';
import { testLogger } from './test-logger';

/** A started, connected client (the caller closes it). */
export async function connectedZk(options: Partial<ZookeeperClientOptions> = {}, name = 'zk-test'): Promise<ZookeeperClient> {
  const client = new ZookeeperClient({ sessionTimeoutMs: 4000, ...options }, testLogger(name));
  client.start();
  await client.waitConnected(15_000);
  return client;
}

/** Resolves when `client` enters `state` (or at once if it is there). */
export function waitForState(client: ZookeeperClient, state: ConnectionState, timeoutMs = 20_000): Promise<void> {
  if (client.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`client did not reach ${state} within ${timeoutMs} ms (now ${client.state})`));
    }, timeoutMs);
    const off = client.onStateChange((c) => {
      if (c.to === state) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

/**
 * Forces a REAL session expiry, the way ZooKeeper's own tests do: a second
 * handle joins the session with its id and password, then closes it. The
 * server ends the session; its owner learns on its next contact that it expired.
 */
export async function expireSession(client: ZookeeperClient): Promise<void> {
  const creds = client.sessionCredentials;
  if (!creds) throw new Error(`client has no session to expire (state ${client.state})`);
  const intruder = new ZookeeperClient(
    { connectString: client.options.connectString, sessionTimeoutMs: client.options.sessionTimeoutMs, joinSession: creds },
    testLogger('expirer'),
  );
  intruder.start();
  await intruder.waitConnected(10_000);
  await intruder.close();
}

/** Resolves when `client` has reconnected with a NEW session (after LOST). */
export function waitForNewSession(client: ZookeeperClient, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`client did not open a new session within ${timeoutMs} ms (now ${client.state})`));
    }, timeoutMs);
    const off = client.onStateChange((c) => {
      if (c.to === 'RECONNECTED' && c.newSession) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}
