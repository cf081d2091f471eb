import { parseConnectString } from './connect-string';
import { JuteDecodeError, JuteReader, JuteWriter } from './jute';
import { EVENT_TYPE, readStat, sessionIdHex, setWatchesFrames } from './records';
import { WatchRegistry } from './watch-registry';

describe('jute codec', () => {
  it('should read back what it wrote: int, long, bool, buffer, string, null and vectors', () => {
    const bytes = new JuteWriter()
      .int(-7)
      .long(-(2n ** 63n))
      .bool(true)
      .buffer(Buffer.from([1, 2]))
      .string('zk ✓')
      .string(null)
      .vector(['a', 'b'], (w, s) => w.string(s))
      .vector(null, (w, s: string) => w.string(s))
      .bytes();
    const r = new JuteReader(bytes);
    expect([
      r.int(),
      r.long(),
      r.bool(),
      r.buffer(),
      r.string(),
      r.string(),
      r.vector((x) => x.string()),
      r.vector((x) => x.string()),
    ]).toEqual([-7, -(2n ** 63n), true, Buffer.from([1, 2]), 'zk ✓', null, ['a', 'b'], null]);
    expect(r.remaining).toBe(0);
  });

  it('should prefix a frame with its length', () => {
    const f = new JuteWriter().int(1).frame();
    expect([...f]).toEqual([0, 0, 0, 4, 0, 0, 0, 1]);
  });

  it('should refuse a truncated frame with a clear error instead of reading garbage', () => {
    const r = new JuteReader(new JuteWriter().int(10).bytes());
    expect(() => r.buffer()).toThrow(JuteDecodeError);
    expect(() => new JuteReader(Buffer.from([0, 0])).int()).toThrow(/int needs 4 bytes at offset 0, frame has 2/);
  });
});

describe('records', () => {
  it('should decode a Stat with zxids as decimal strings and the owner as hex', () => {
    const w = new JuteWriter()
      .long(330712482286n)
      .long(2n)
      .long(3n)
      .long(4n)
      .int(5)
      .int(6)
      .int(7)
      .long(0x100019e2a6e002dn)
      .int(8)
      .int(9)
      .long(10n);
    expect(readStat(new JuteReader(w.bytes()))).toEqual({
      czxid: '330712482286',
      mzxid: '2',
      ctime: 3,
      mtime: 4,
      version: 5,
      cversion: 6,
      aversion: 7,
      ephemeralOwner: '100019e2a6e002d',
      dataLength: 8,
      numChildren: 9,
      pzxid: '10',
    });
  });

  it('should print session ids unsigned', () => {
    expect(sessionIdHex(-1n)).toBe('ffffffffffffffff');
    expect(sessionIdHex(0n)).toBe('0');
  });

  it('should split SetWatches into frames under the size bound, losing no path', () => {
    const paths = Array.from({ length: 100 }, (_, i) => `/services/orders/instance-${i}`);
    const frames = setWatchesFrames(9n, paths, ['/x'], paths, 1000);
    expect(frames.length).toBeGreaterThan(5);
    const seen: string[][] = [[], [], []];
    for (const f of frames) {
      expect(f.length).toBeLessThan(1200);
      const r = new JuteReader(f.subarray(4));
      expect([r.int(), r.int(), r.long()]).toEqual([-8, 101, 9n]);
      for (const l of seen) l.push(...(r.vector((x) => x.string() ?? '') ?? []));
    }
    expect(seen).toEqual([paths, ['/x'], paths]);
  });
});

describe('WatchRegistry (one-shot watches, as ZooKeeper fires them)', () => {
  it('should fire data and exist watches on change or create, child watches on children, all three on delete; each once', () => {
    const w = new WatchRegistry();
    const fired: string[] = [];
    const mk = (name: string) => () => fired.push(name);
    w.add('data', '/a', mk('data'));
    w.add('exist', '/a', mk('exist'));
    w.add('child', '/a', mk('child'));
    for (const f of w.take(EVENT_TYPE.dataChanged, '/a')) f({ type: 3, path: '/a' });
    expect(fired).toEqual(['data', 'exist']);
    expect(w.take(EVENT_TYPE.dataChanged, '/a')).toEqual([]);
    for (const f of w.take(EVENT_TYPE.deleted, '/a')) f({ type: 2, path: '/a' });
    expect(fired).toEqual(['data', 'exist', 'child']);
    expect(w.size).toBe(0);
  });

  it('should list armed paths per kind for SetWatches and hand every watcher out when the session ends', () => {
    const w = new WatchRegistry();
    w.add('data', '/d', () => undefined);
    w.add('child', '/c', () => undefined);
    w.add('child', '/c', () => undefined);
    expect(w.paths()).toEqual({ data: ['/d'], exist: [], child: ['/c'] });
    expect(w.takeAll()).toHaveLength(3);
    expect(w.size).toBe(0);
  });
});

describe('parseConnectString', () => {
  it('should read hosts, IPv6 in brackets and a chroot', () => {
    expect(parseConnectString('127.0.0.1:2181,[::1]:2182/apps/x')).toEqual({
      servers: [
        { host: '127.0.0.1', port: 2181 },
        { host: '::1', port: 2182 },
      ],
      chroot: '/apps/x',
    });
  });

  it('should name the part it cannot read', () => {
    expect(() => parseConnectString('a:1,b')).toThrow(/"b" is not host:port/);
    expect(() => parseConnectString('a:99999')).toThrow(/"a:99999"/);
    expect(() => parseConnectString('a:1/x/')).toThrow(/must not end with "\/"/);
  });
});
