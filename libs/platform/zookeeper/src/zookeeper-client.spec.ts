import { EventEmitter } from 'node:events';
import { createJsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from './connection-state';
import type { ZkSessionHandle, ZkSessionOptions } from './wire/zk-session';
import { ZookeeperClient } from './zookeeper-client';
import { ZkError } from './zk-error';

/** A stand-in for the wire session: the test drives its events. */
class FakeSession extends EventEmitter {
  closed = false;
  started = false;
  sessionPassword = 'ab'.repeat(16);
  connectedServer: string | undefined;
  constructor(
    readonly options: ZkSessionOptions,
    readonly sessionId: string,
  ) {
    super();
  }
  start(): void {
    this.started = true;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  exists(): Promise<null> {
    return Promise.resolve(null);
  }
  connect(resumed: boolean): void {
    this.connectedServer = '127.0.0.1:2181';
    this.emit('connected', { sessionId: this.sessionId, timeoutMs: 4000, server: '127.0.0.1:2181', resumed });
  }
}

const logger = createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'silent' });

function setup(
  sessionTimeoutMs = 5000,
  extra: Record<string, unknown> = {},
): { client: ZookeeperClient; sessions: FakeSession[]; changes: ConnectionStateChange[] } {
  const sessions: FakeSession[] = [];
  const client = new ZookeeperClient(
    { sessionTimeoutMs, auth: [{ scheme: 'digest', auth: 'app:secret' }], connectString: '127.0.0.1:2181,[::1]:2182/app', ...extra },
    logger,
    (options) => {
      const s = new FakeSession(options, `session${sessions.length + 1}`);
      sessions.push(s);
      return s as unknown as ZkSessionHandle;
    },
  );
  const changes: ConnectionStateChange[] = [];
  client.onStateChange((c) => changes.push(c));
  return { client, sessions, changes };
}

const last = <T>(xs: T[]): T => xs[xs.length - 1] as T;

describe('ZookeeperClient', () => {
  afterEach(() => jest.useRealTimers());

  describe('when started', () => {
    it('should go LATENT -> CONNECTING -> CONNECTED and hand the session its servers, chroot and credentials', () => {
      const { client, sessions, changes } = setup();
      client.start();
      expect(client.state).toBe('CONNECTING');
      expect(sessions[0]?.started).toBe(true);
      sessions[0]?.connect(false);
      expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['LATENT->CONNECTING', 'CONNECTING->CONNECTED']);
      expect(sessions[0]?.options).toMatchObject({
        servers: [
          { host: '127.0.0.1', port: 2181 },
          { host: '::1', port: 2182 },
        ],
        chroot: '/app',
        sessionTimeoutMs: 5000,
      });
      expect(sessions[0]?.options.auth.map((a) => `${a.scheme}:${a.auth.toString()}`)).toEqual(['digest:app:secret']);
      expect(client.sessionId).toBe('session1');
      expect(client.connectedServer).toBe('127.0.0.1:2181');
    });

    it('should keep going, and tell the other listeners, when a state listener throws', () => {
      const { client, sessions, changes } = setup();
      client.onStateChange(() => {
        throw new Error('listener bug');
      });
      client.start();
      sessions[0]?.connect(false);
      expect(client.state).toBe('CONNECTED');
      expect(changes.map((c) => c.to)).toEqual(['CONNECTING', 'CONNECTED']);
    });

    it('should refuse a second start()', () => {
      const { client } = setup();
      client.start();
      expect(() => client.start()).toThrow(/start\(\) called when CONNECTING/);
    });
  });

  describe('when the connection drops and comes back within the session timeout', () => {
    it('should report SUSPENDED then RECONNECTED on the same session', () => {
      const { client, sessions, changes } = setup();
      client.start();
      sessions[0]?.connect(false);
      sessions[0]?.emit('disconnected', 'server gone');
      expect(client.state).toBe('SUSPENDED');
      sessions[0]?.connect(true);
      expect(last(changes)).toMatchObject({ from: 'SUSPENDED', to: 'RECONNECTED', newSession: false, sessionId: 'session1' });
      expect(sessions).toHaveLength(1);
    });
  });

  describe('when the server expires the session', () => {
    it('should report LOST, open a new session, and report RECONNECTED with newSession', () => {
      const { client, sessions, changes } = setup();
      client.start();
      sessions[0]?.connect(false);
      sessions[0]?.emit('disconnected', 'server gone');
      sessions[0]?.emit('expired');
      expect(client.state).toBe('LOST');
      expect(sessions[0]?.closed).toBe(true);
      expect(sessions).toHaveLength(2);
      sessions[1]?.connect(false);
      expect(changes.map((c) => c.to)).toEqual(['CONNECTING', 'CONNECTED', 'SUSPENDED', 'LOST', 'RECONNECTED']);
      expect(last(changes)).toMatchObject({ newSession: true, sessionId: 'session2' });
      expect(sessions[1]?.options.auth).toHaveLength(1);
      expect(sessions[1]?.options.resume).toBeUndefined();
    });
  });

  describe('when SUSPENDED lasts longer than the session timeout', () => {
    it('should assume the session is gone: LOST, then a new session', () => {
      jest.useFakeTimers();
      const { client, sessions } = setup(3000);
      client.start();
      sessions[0]?.connect(false);
      sessions[0]?.emit('disconnected', 'server gone');
      jest.advanceTimersByTime(2999);
      expect(client.state).toBe('SUSPENDED');
      jest.advanceTimersByTime(2);
      expect(client.state).toBe('LOST');
      expect(sessions[0]?.closed).toBe(true);
      expect(sessions).toHaveLength(2);
    });

    it('should ignore late events from the abandoned session', () => {
      jest.useFakeTimers();
      const { client, sessions } = setup(1000);
      client.start();
      sessions[0]?.connect(false);
      sessions[0]?.emit('disconnected', 'server gone');
      jest.advanceTimersByTime(1001);
      sessions[0]?.connect(true);
      expect(client.state).toBe('LOST');
    });
  });

  describe('when joining another client session (joinSession)', () => {
    it('should resume that session, and close rather than open its own when it has expired', async () => {
      const { client, sessions } = setup(5000, { joinSession: { id: 'abc', password: 'ff'.repeat(16) } });
      client.start();
      expect(sessions[0]?.options.resume).toEqual({ id: 'abc', password: 'ff'.repeat(16) });
      sessions[0]?.emit('expired');
      await Promise.resolve();
      expect(client.state).toBe('CLOSED');
      expect(sessions).toHaveLength(1);
    });
  });

  describe('when closed', () => {
    it('should be CLOSED, close the session, and allow a second close()', async () => {
      const { client, sessions } = setup();
      client.start();
      sessions[0]?.connect(false);
      await client.close();
      expect(client.state).toBe('CLOSED');
      expect(sessions[0]?.closed).toBe(true);
      await expect(client.close()).resolves.toBeUndefined();
    });

    it('should fail operations with a ZkError naming the state', async () => {
      const { client } = setup();
      client.start();
      await client.close();
      const err = await client.exists('/x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ZkError);
      expect((err as ZkError).message).toContain('client is CLOSED');
    });
  });

  describe('when constructed with bad options', () => {
    it('should name the bad connect string', () => {
      expect(() => new ZookeeperClient({ connectString: 'localhost' }, logger)).toThrow(/"localhost" is not host:port/);
    });

    it('should refuse auth entries that are not digest user:password', () => {
      expect(() => new ZookeeperClient({ auth: [{ scheme: 'digest', auth: 'nopassword' }] }, logger)).toThrow(/user:password/);
    });
  });
});
