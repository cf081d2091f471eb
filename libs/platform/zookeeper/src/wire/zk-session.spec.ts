import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createJsonLogger } from '@dsp/service-defaults';
import { ZkError } from '../zk-error';
import { JuteReader, JuteWriter } from './jute';
import { OP, XID } from './records';
import { ZkSession, type ZkSessionOptions } from './zk-session';

/**
 * A scripted ZooKeeper server for the wire client's unit tests: it speaks the
 * frame format and answers what each test tells it to. The client's behaviour
 * against real servers is proven in e2e/coordination-e2e.
 */
interface Received {
  xid: number;
  op: number;
  body: JuteReader;
}

interface Handshake {
  lastZxid: bigint;
  timeoutMs: number;
  sessionId: bigint;
}

class ScriptedServer {
  readonly server: Server;
  readonly handshakes: Handshake[] = [];
  readonly received: Received[] = [];
  sockets: Socket[] = [];
  /** Answers a connect request: a session id, or 'expired'. */
  onConnect: (h: Handshake) => bigint | 'expired' = () => 0x1234n;
  /** Answers a request; undefined leaves it unanswered. */
  onRequest: (r: Received, reply: (err: number, zxid: bigint, body?: (w: JuteWriter) => void) => void) => void = () => undefined;
  /** Answer pings (turn off to play a frozen server). */
  answerPings = true;

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.push(socket);
      let buf = Buffer.alloc(0);
      let handshaken = false;
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
          buf = buf.subarray(4 + frame.length);
          const r = new JuteReader(Buffer.from(frame));
          if (!handshaken) {
            handshaken = true;
            r.int();
            const h = { lastZxid: r.long(), timeoutMs: r.int(), sessionId: r.long() };
            this.handshakes.push(h);
            const answer = this.onConnect(h);
            const w = new JuteWriter()
              .int(0)
              .int(answer === 'expired' ? 0 : h.timeoutMs)
              .long(answer === 'expired' ? 0n : answer)
              .buffer(Buffer.alloc(16, 7))
              .bool(false);
            socket.write(w.frame());
            if (answer === 'expired') socket.end();
            continue;
          }
          const req = { xid: r.int(), op: r.int(), body: r };
          if (req.op === OP.ping) {
            if (this.answerPings) socket.write(new JuteWriter().int(XID.ping).long(0n).int(0).frame());
            continue;
          }
          this.received.push(req);
          if (req.op === OP.closeSession) {
            socket.end(new JuteWriter().int(req.xid).long(0n).int(0).frame());
            continue;
          }
          this.onRequest(req, (err, zxid, body) => {
            const w = new JuteWriter().int(req.xid).long(zxid).int(err);
            body?.(w);
            socket.write(w.frame());
          });
        }
      });
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port)));
  }

  notify(type: number, path: string): void {
    for (const s of this.sockets) s.write(new JuteWriter().int(XID.notification).long(-1n).int(0).int(type).int(3).string(path).frame());
  }

  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets = [];
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function writeStat(w: JuteWriter, version: number, ephemeralOwner = 0n): void {
  w.long(5n).long(6n).long(1000n).long(2000n).int(version).int(0).int(0).long(ephemeralOwner).int(2).int(0).long(5n);
}

const logger = createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'silent' });
const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ZkSession (wire protocol, against a scripted server)', () => {
  let srv: ScriptedServer;
  let port: number;
  const sessions: ZkSession[] = [];

  beforeEach(async () => {
    srv = new ScriptedServer();
    port = await srv.listen();
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close();
    await srv.close();
  });

  function open(options: Partial<ZkSessionOptions> = {}, log = logger): ZkSession {
    const s = new ZkSession({ servers: [{ host: '127.0.0.1', port }], chroot: '', sessionTimeoutMs: 3000, auth: [], ...options }, log);
    sessions.push(s);
    return s;
  }

  async function connected(s: ZkSession): Promise<void> {
    const done = new Promise<void>((r) => s.once('connected', () => r()));
    s.start();
    await done;
  }

  it('should send requests under the chroot and decode data, stat and the session id', async () => {
    srv.onConnect = () => 0x30001ab3df90000n;
    srv.onRequest = (r, reply) => {
      if (r.op === OP.getData) {
        expect(r.body.string()).toBe('/app/x');
        expect(r.body.bool()).toBe(false);
        reply(0, 7n, (w) => {
          w.buffer(Buffer.from('hi'));
          writeStat(w, 3, 0x30001ab3df90000n);
        });
      }
    };
    const s = open({ chroot: '/app' });
    await connected(s);
    expect(s.sessionId).toBe('30001ab3df90000');
    const { data, stat } = await s.getData('/x');
    expect(data.toString()).toBe('hi');
    expect(stat).toMatchObject({ version: 3, czxid: '5', ephemeralOwner: '30001ab3df90000', dataLength: 2 });
  });

  it('should answer requests in order and turn an error code into a ZkError naming op and path', async () => {
    srv.onRequest = (r, reply) => reply(r.op === OP.delete ? -101 : 0, 1n, r.op === OP.setData ? (w) => writeStat(w, 1) : undefined);
    const s = open();
    await connected(s);
    const [a, b] = await Promise.allSettled([s.delete('/missing', -1), s.setData('/x', Buffer.from('v'), -1)]);
    expect(a.status === 'rejected' && (a.reason as ZkError).message).toBe('delete /missing: ZNONODE (-101)');
    expect(b.status === 'fulfilled' && b.value.version).toBe(1);
  });

  it('should arm an exists watch on a missing node, fire it once with the client-side path, and never again', async () => {
    srv.onRequest = (r, reply) => reply(-101, 1n);
    const s = open({ chroot: '/app' });
    await connected(s);
    const events: { type: number; path: string }[] = [];
    expect(await s.exists('/x', (e) => events.push(e))).toBeNull();
    expect(s.armedWatches).toBe(1);
    srv.notify(1, '/app/x');
    srv.notify(1, '/app/x');
    await until(() => events.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([{ type: 1, path: '/x' }]);
    expect(s.armedWatches).toBe(0);
  });

  it('should fail requests in flight with ZCONNECTIONLOSS when the connection drops, then resume the session with its zxid, credentials and watches', async () => {
    let answer = true;
    srv.onRequest = (r, reply) => {
      if (r.op === OP.getChildren2 && answer)
        reply(0, 42n, (w) => {
          w.vector(['b', 'a'], (ww, c) => ww.string(c));
          writeStat(w, 0);
        });
    };
    const s = open({ auth: [{ scheme: 'digest', auth: Buffer.from('u:p') }] });
    await connected(s);
    expect(await s.getChildren('/parent', () => undefined)).toMatchObject({ children: ['a', 'b'] });
    answer = false;
    const inFlight = s.getData('/never-answered');
    const disconnected = new Promise<string>((r) => s.once('disconnected', r));
    const resumed = new Promise<boolean>((r) => s.once('connected', (i) => r(i.resumed)));
    await until(() => srv.received.some((q) => q.op === OP.getData));
    srv.dropConnections();
    await expect(inFlight).rejects.toMatchObject({ codeName: 'ZCONNECTIONLOSS' });
    await disconnected;
    expect(await resumed).toBe(true);
    expect(srv.handshakes[1]).toEqual({ lastZxid: 42n, timeoutMs: 3000, sessionId: 0x1234n });
    await until(() => srv.received.filter((q) => q.op === OP.setWatches).length === 1);
    const afterResume = srv.received.slice(srv.received.findIndex((q) => q.op === OP.getData) + 1);
    expect(afterResume.map((q) => q.op)).toEqual([OP.auth, OP.setWatches]);
    const sw = afterResume[1]?.body as JuteReader;
    expect(sw.long()).toBe(42n);
    const list = (): (string | null)[] | null => sw.vector((r) => r.string());
    expect([list(), list(), list()]).toEqual([[], [], ['/parent']]);
  });

  it('should pass every state change through one logged transition: connect, drop, resume, close', async () => {
    const chunks: string[] = [];
    const recording = createJsonLogger({
      service: 'spec',
      instanceId: 'spec',
      level: 'debug',
      destination: { write: (c: string) => void chunks.push(c) },
    });
    const s = open({}, recording);
    expect(s.currentState).toBe('idle');
    await connected(s);
    expect(s.currentState).toBe('connected');
    const resumed = new Promise<void>((r) => s.once('connected', () => r()));
    srv.dropConnections();
    await resumed;
    await s.close();
    expect(s.currentState).toBe('closed');
    const transitions = chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; from?: string; to?: string; reason?: string })
      .filter((l) => l.msg.startsWith('zookeeper session state:'));
    expect(transitions.map((t) => `${t.from} -> ${t.to}`)).toEqual([
      'idle -> connecting',
      'connecting -> connected',
      'connected -> connecting',
      'connecting -> connected',
      'connected -> closed',
    ]);
    expect(transitions.map((t) => t.reason)).toEqual([
      'start',
      'session established',
      expect.any(String),
      'session resumed',
      'close() called',
    ]);
  });

  it('should report expiry when the server no longer knows the session, firing every watcher with a session event', async () => {
    srv.onRequest = (r, reply) => reply(-101, 1n);
    const s = open();
    await connected(s);
    const events: number[] = [];
    await s.exists('/x', (e) => events.push(e.type));
    srv.onConnect = () => 'expired';
    const expired = new Promise<void>((r) => s.once('expired', () => r()));
    srv.dropConnections();
    await expired;
    expect(events).toEqual([-1]);
    await expect(s.exists('/x')).rejects.toMatchObject({ codeName: 'ZSESSIONEXPIRED' });
  });

  it('should drop a connection whose server stops answering (read timeout 2/3 of the session timeout) and try again', async () => {
    const s = open({ sessionTimeoutMs: 1200 });
    await connected(s);
    srv.answerPings = false;
    const t0 = Date.now();
    const reason = await new Promise<string>((r) => s.once('disconnected', r));
    expect(reason).toMatch(/no answer from the server/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    expect(Date.now() - t0).toBeLessThan(1500);
    srv.answerPings = true;
    await new Promise<void>((r) => s.once('connected', () => r()));
  });

  it('should keep the connection when a listener throws, and still run once-listeners only once', async () => {
    srv.onRequest = (r, reply) => reply(-101, 1n);
    const s = open();
    let calls = 0;
    s.on('connected', () => {
      throw new Error('listener bug');
    });
    s.once('connected', () => calls++);
    await connected(s);
    expect(await s.exists('/x')).toBeNull();
    srv.dropConnections();
    await new Promise<void>((r) => s.once('connected', () => r()));
    expect(calls).toBe(1);
  });

  it('should move past a server that refuses connections to the next one', async () => {
    const dead = new ScriptedServer();
    const deadPort = await dead.listen();
    await dead.close();
    const s = open({
      servers: [
        { host: '127.0.0.1', port: deadPort },
        { host: '127.0.0.1', port },
      ],
      shuffle: false,
    });
    const info = await new Promise<{ server: string }>((r) => {
      s.once('connected', r);
      s.start();
    });
    expect(info.server).toBe(`127.0.0.1:${port}`);
  });

  it('should end the session on the server when closed, and close twice safely', async () => {
    srv.onRequest = (r, reply) => reply(0, 1n);
    const s = open();
    await connected(s);
    const closed = new Promise<void>((r) => s.once('closed', () => r()));
    await s.close();
    await closed;
    await s.close();
    expect(srv.received.map((q) => q.op)).toContain(OP.closeSession);
    await expect(s.getData('/x')).rejects.toBeInstanceOf(ZkError);
  });
});
