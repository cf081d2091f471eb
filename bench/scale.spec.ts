import { parseConsumerPerformance } from './kafka-consume';
import { groupOf, parseProcessStat, parseProcStat, scaleChart, wallOf, type MachineUse, type ScalePoint } from './scale';

describe('parseConsumerPerformance', () => {
  it("reads the fetch rate, the records and the join time from Kafka 4.1's summary", () => {
    const out = [
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
      '2026-12-08 01:55:14:287, 2026-12-08 01:55:15:182, 3.9199, 4.3797, 20075, 22430.1676, 606, 289, 13.5635, 69463.6678',
    ].join('\n');
    expect(parseConsumerPerformance(`WARN something\n${out}\n`)).toEqual({
      fetchRecordsPerSec: 69463.6678,
      records: 20075,
      rebalanceMs: 606,
    });
  });

  it('names what it could not find instead of returning NaN', () => {
    expect(() => parseConsumerPerformance('Exception in thread "main" org.apache.kafka.common.errors.SaslAuthenticationException')).toThrow(
      /printed no fetch.nMsg.sec: Exception/,
    );
  });
});

describe('machine use', () => {
  it("sums /proc/stat's busy fields apart from idle and I/O wait", () => {
    expect(parseProcStat('cpu  100 5 50 800 40 3 2 0 7 0\ncpu0 1 2 3')).toEqual({ busy: 160, ioWait: 40, total: 1000 });
  });

  it("reads utime + stime after the last ')' of a process name with spaces and parentheses", () => {
    const fields = ['S', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '123', '45', '0'];
    expect(parseProcessStat(`4242 (node (a b)) ${fields.join(' ')}`)).toBe(168);
  });
});

describe('groupOf', () => {
  it('tells the servers of the local stack apart by their command lines', () => {
    const nul = (...a: string[]): string => a.join('\0');
    expect(groupOf(nul('mariadbd', '--defaults-file=/x/.stack/mysql/mysql-c1-replica/my.cnf'))).toBe('MariaDB replicas');
    expect(groupOf(nul('mariadbd', '--defaults-file=/x/.stack/mysql/mysql-c0-primary/my.cnf'))).toBe('MariaDB primaries');
    expect(groupOf(nul('java', '-Dzookeeper.admin.enableServer=false', 'org.apache.zookeeper.server.quorum.QuorumPeerMain'))).toBe(
      'ZooKeeper',
    );
    expect(groupOf(nul('java', '-Dlog4j2.configurationFile=x', '-cp', 'kafka_2.13-4.1.1.jar', 'kafka.Kafka'))).toBe('Kafka');
    expect(groupOf(nul('java', '-jar', '/x/zipkin-server-3.5.1-exec.jar'))).toBe('Zipkin');
    expect(groupOf(nul('redis-server', '127.0.0.1:6380'))).toBe('Redis');
    expect(groupOf(nul('/usr/bin/node', 'trace-guard'))).toBe('trace guard, registry-sd');
    expect(groupOf(nul('/usr/bin/node', 'dist/apps/gateway/src/main.js'))).toBeUndefined();
  });
});

describe('wallOf', () => {
  const use = (over: Partial<MachineUse>): MachineUse =>
    ({ busyPct: 50, ioWaitPct: 0, appsPct: {}, othersPct: {}, restPct: 0, ...over }) as MachineUse;

  it('calls a busy machine CPU-bound and names who used it most', () => {
    expect(wallOf(use({ busyPct: 97, appsPct: { gateway: 20, 'order-service': 35 }, othersPct: { Kafka: 30 } }), 0)).toBe(
      'CPU (97% busy, order-service the most)',
    );
    expect(wallOf(use({ busyPct: 95, appsPct: { gateway: 20 }, othersPct: { 'MariaDB primaries': 40, Kafka: 21 } }), 0)).toBe(
      'CPU (95% busy, MariaDB primaries the most)',
    );
  });

  it('calls an idle machine waiting on the disk, on row locks, or on round trips', () => {
    expect(wallOf(use({ ioWaitPct: 25 }), 5)).toBe('disk (25% I/O wait)');
    expect(wallOf(use({}), 2.5)).toBe('row locks (2.5 ms per order)');
    expect(wallOf(use({ busyPct: 12 }), 0)).toBe('waiting (12% busy): round trips and commits');
  });
});

describe('scaleChart', () => {
  it('draws one line per instance count over the connections, in order', () => {
    const p = (instances: number, connections: number, ordersPerSec: number): ScalePoint =>
      ({ instances, connections, ordersPerSec }) as ScalePoint;
    const chart = scaleChart([p(2, 8, 90), p(1, 8, 80), p(1, 1, 20), p(2, 1, 18)]);
    expect(chart[0]).toBe('```mermaid');
    expect(chart).toContain('    x-axis "connections" [1, 8]');
    expect(chart).toContain('    y-axis "orders/s" 0 --> 100');
    expect(chart.filter((l) => l.trim().startsWith('line'))).toEqual(['    line [20, 80]', '    line [18, 90]']);
  });
});
