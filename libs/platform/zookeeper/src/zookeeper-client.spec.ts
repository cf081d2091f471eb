import { EventEmitter } from 'node:events';
import { createJsonLogger } from '@dsp/service-defaults';
import type { ConnectionStateChange } from './connection-state';
import type { NativeZkHandle } from './native-zk';
import { ZookeeperClient } from './zookeeper-client';
import { ZkError } from './zk-error';

/** A stand-in for the native handle: the test drives its session events. */
class FakeHandle extends EventEmitter {
  client_id = '';
  client_password = '00'.repeat(16);
  closed = false;
  auths: string[] = [];
  constructor(
    readonly config: Record<string, unknown>,
    id: number,
  ) {
    super();
    this.client_id = `session${id}`;
  }
  init(): this {
    return this;
  }
  close(): void {
    this.closed = true;
    setImmediate(() => this.emit('close', this, 0));
  }
  add_auth(scheme: string, auth: string, cb: (rc: number) => void): number {
    this.auths.push(`${scheme}:${auth}`);
    cb(0);
    return 0;
  }
  a_exists(_p: string, _w: boolean, cb: (rc: number, e: string, s: unknown) => void): number {
    cb(0, 'ok', { czxid: 1 });
    return 0;
  }
}

const logger = createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'silent' });

function setup(sessionTimeoutMs = 5000): { client: ZookeeperClient; handles: FakeHandle[]; changes: ConnectionStateChange[] } {
  const handles: FakeHandle[] = [];
  const client = new ZookeeperClient({ sessionTimeoutMs, auth: [{ scheme: 'digest', auth: 'app:secret' }] }, logger, (config) => {
    const h = new FakeHandle(config, handles.length + 1);
    handles.push(h);
    return h as unknown as NativeZkHandle;
  });
  const changes: ConnectionStateChange[] = [];
  client.onStateChange((c) => changes.push(c));
  return { client, handles, changes };
}

const last = <T>(xs: T[]): T => xs[xs.length - 1] as T;

/** Native events are handled from a fresh macrotask: let them through. */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Emits a native event on the fake handle and lets the client handle it. */
async function emit(h: FakeHandle | undefined, event: string, ...args: unknown[]): Promise<void> {
  h?.emit(event, ...args);
  await flush();
}

describe('ZookeeperClient', () => {
  afterEach(() => jest.useRealTimers());

  describe('when started', () => {
    it('should go LATENT -> CONNECTING -> CONNECTED and add its credentials to the session', async () => {
      const { client, handles, changes } = setup();
      client.start();
      expect(client.state).toBe('CONNECTING');
      await emit(handles[0], 'connect');
      expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['LATENT->CONNECTING', 'CONNECTING->CONNECTED']);
      expect(handles[0]?.auths).toEqual(['digest:app:secret']);
      expect(client.sessionId).toBe('session1');
    });

    it('should refuse a second start()', async () => {
      const { client } = setup();
      client.start();
      expect(() => client.start()).toThrow(/start\(\) called when CONNECTING/);
    });
  });

  describe('when the connection drops and comes back within the session timeout', () => {
    it('should report SUSPENDED then RECONNECTED on the same session', async () => {
      const { client, handles, changes } = setup();
      client.start();
      await emit(handles[0], 'connect');
      await emit(handles[0], 'connecting');
      expect(client.state).toBe('SUSPENDED');
      await emit(handles[0], 'connect');
      expect(last(changes)).toMatchObject({ from: 'SUSPENDED', to: 'RECONNECTED', newSession: false, sessionId: 'session1' });
      expect(handles).toHaveLength(1);
    });
  });

  describe('when the server expires the session', () => {
    it('should report LOST, open a new session, and report RECONNECTED with newSession', async () => {
      const { client, handles, changes } = setup();
      client.start();
      await emit(handles[0], 'connect');
      await emit(handles[0], 'connecting');
      await emit(handles[0], 'close', handles[0], -112);
      expect(client.state).toBe('LOST');
      expect(handles).toHaveLength(2);
      await emit(handles[1], 'connect');
      expect(changes.map((c) => c.to)).toEqual(['CONNECTING', 'CONNECTED', 'SUSPENDED', 'LOST', 'RECONNECTED']);
      expect(last(changes)).toMatchObject({ newSession: true, sessionId: 'session2' });
      expect(handles[1]?.auths).toEqual(['digest:app:secret']);
    });
  });

  describe('when SUSPENDED lasts longer than the session timeout', () => {
    it('should assume the session is gone: LOST, then a new session', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const { client, handles } = setup(3000);
      client.start();
      await emit(handles[0], 'connect');
      await emit(handles[0], 'connecting');
      jest.advanceTimersByTime(2999);
      expect(client.state).toBe('SUSPENDED');
      jest.advanceTimersByTime(2);
      expect(client.state).toBe('LOST');
      await flush(); // the old handle is closed from a fresh macrotask
      expect(handles[0]?.closed).toBe(true);
      expect(handles).toHaveLength(2);
    });

    it('should ignore late events from the abandoned handle', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const { client, handles } = setup(1000);
      client.start();
      await emit(handles[0], 'connect');
      await emit(handles[0], 'connecting');
      jest.advanceTimersByTime(1001);
      await emit(handles[0], 'connect');
      expect(client.state).toBe('LOST');
    });
  });

  describe('when closed', () => {
    it('should be CLOSED, close the handle, and allow a second close()', async () => {
      const { client, handles } = setup();
      client.start();
      await emit(handles[0], 'connect');
      await client.close();
      expect(client.state).toBe('CLOSED');
      expect(handles[0]?.closed).toBe(true);
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
    it('should name the bad connect string', async () => {
      expect(() => new ZookeeperClient({ connectString: 'localhost' }, logger)).toThrow(/connectString must be host:port/);
    });
  });
});
