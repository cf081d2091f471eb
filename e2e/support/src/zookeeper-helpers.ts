import { ZK_IDENTITIES } from '@dsp/contracts';
import { acl, ZookeeperClient, type ConnectionState, type ZookeeperClientOptions } from '@dsp/zookeeper';
import { testLogger } from './test-logger';

/** `addauth` of the operator, ZooKeeper's super user in the local stack (tests lay out their own nodes anywhere). */
export const OPERATOR_AUTH: ZookeeperClientOptions['auth'] = [
  { scheme: 'digest', auth: `${ZK_IDENTITIES.operator.user}:${ZK_IDENTITIES.operator.password}` },
];

/** Client options to act as a platform service: its own identity, and its recipes under its own parents. */
export function asService(service: keyof typeof ZK_IDENTITIES): Partial<ZookeeperClientOptions> {
  const id = ZK_IDENTITIES[service];
  return { auth: [{ scheme: 'digest', auth: `${id.user}:${id.password}` }], owner: service };
}

/**
 * A started, connected client. It authenticates as the operator (super user;
 * the nodes it creates stay open to every identity) unless
 * `options.auth` says otherwise (`auth: []` for an anonymous session, or a
 * service's identity to act as that service). The caller closes it.
 */
export async function connectedZk(options: Partial<ZookeeperClientOptions> = {}, name = 'zk-test'): Promise<ZookeeperClient> {
  // The operator's scratch nodes (`/it-...`) stay open, so a test's other identities can work below them.
  const asOperator = options.auth === undefined ? { auth: OPERATOR_AUTH, defaultAcl: [acl.world('cdrwa')] } : {};
  const client = new ZookeeperClient({ sessionTimeoutMs: 4000, ...asOperator, ...options }, testLogger(name));
  client.start();
  await client.waitConnected(15_000);
  return client;
}

/**
 * A factory of connected clients for one suite: call it in a `describe` body;
 * every client it hands out is closed after the suite (`afterAll`).
 */
export function suiteZk(options: Partial<ZookeeperClientOptions> = {}): () => Promise<ZookeeperClient> {
  const clients: ZookeeperClient[] = [];
  afterAll(async () => {
    for (const c of clients.splice(0)) await c.close();
  });
  return async () => {
    const c = await connectedZk(options);
    clients.push(c);
    return c;
  };
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
  // Right after an election a server may not know a brand-new session yet and answer "expired";
  // the second handle then opens a session of its own. Check, and try again.
  for (let attempt = 1; attempt <= 5; attempt++) {
    const intruder = new ZookeeperClient(
      { connectString: client.options.connectString, sessionTimeoutMs: client.options.sessionTimeoutMs, joinSession: creds },
      testLogger('expirer'),
    );
    intruder.start();
    const connected = await intruder.waitConnected(3 * client.options.sessionTimeoutMs).then(
      () => true,
      () => false,
    );
    const joined = connected && intruder.sessionId === creds.id;
    await intruder.close();
    if (joined) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`expireSession: could not join session ${creds.id} in 5 attempts`);
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

/**
 * Waits until the server on `port` serves a real client request (a `srvr` mode
 * alone is not enough: a server that just rejoined may still be syncing).
 */
export async function waitServing(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = new ZookeeperClient({ connectString: `127.0.0.1:${port}`, sessionTimeoutMs: 4000 }, testLogger('probe'));
    c.start();
    try {
      await c.waitConnected(5000);
      await c.sync('/');
      await c.exists('/');
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`ZooKeeper on :${port} does not serve clients: ${(e as Error).message}`);
    } finally {
      await c.close();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
