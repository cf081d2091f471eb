/**
 * Scale curves of the order path (issue 17): `POST /api/orders` through the gateway as fast as it
 * answers on 1, 8, 32 and 128 connections, with one instance of each service (user-service,
 * order-service, gateway) and with two (the connections split over the two gateways), a fresh fleet
 * each. Beside each point: where the machine's time went while it ran (CPU busy and waiting on
 * disk, each app's CPU, the rest of the machine: MariaDB, Kafka, ZooKeeper, Redis), and the
 * primaries' fsyncs and row-lock waits per order, so a reader sees what the wall is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { DB_USERS, MYSQL_CLUSTERS } from '@dsp/contracts';
import type { AppInstance, AppName } from '@dsp/infra-stack';
import { withOrderFleet, type OrderFleet } from './order-fleet';

export interface ScaleOptions {
  /** Connections of each point. */
  connections: readonly number[];
  /** Instances of each service, one fleet each. */
  instances: readonly number[];
  /** Seconds each point runs (`BENCH_SCALE_SECONDS`, 10). */
  seconds: number;
}

export const DEFAULT_SCALE_OPTIONS: ScaleOptions = { connections: [1, 8, 32, 128], instances: [1, 2], seconds: 10 };

/** Where the machine's time went during one point, as shares of all its cores (100% = every core busy). */
export interface MachineUse {
  busyPct: number;
  ioWaitPct: number;
  /** CPU of each app (all its instances), as a share of all cores. */
  appsPct: Partial<Record<AppName, number>>;
  /** CPU of each group of the other processes ({@link groupOf}): the servers, the load generator. */
  othersPct: Record<string, number>;
  /** Busy CPU in no process seen (the kernel's own work, processes that came and went). */
  restPct: number;
}

export interface ScalePoint {
  instances: number;
  connections: number;
  ordersPerSec: number;
  /** Over the gateways (with two, the worse of their figures). */
  p50Ms: number;
  p99Ms: number;
  failed: number;
  use: MachineUse;
  fsyncsPerOrder: number;
  rowLockWaitMsPerOrder: number;
  /** What held the point back, from `use` ({@link wallOf}). */
  wall: string;
}

/** Jiffies of the whole machine: busy (neither idle nor waiting on I/O), I/O wait, all. */
interface CpuTimes {
  busy: number;
  ioWait: number;
  total: number;
}

/** Reads `/proc/stat`'s first line. */
export function parseProcStat(text: string): CpuTimes {
  const f = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is counted in user already)
  const [user = 0, nice = 0, system = 0, idle = 0, ioWait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, ioWait, total: busy + idle + ioWait };
}

/** utime + stime of a process, in jiffies, from `/proc/<pid>/stat` (its name may hold spaces: count after the last ')'). */
export function parseProcessStat(text: string): number {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(rest[11]) + Number(rest[12]);
}

/** The group a process of the local stack belongs to, from its command line (NUL-separated, as in `/proc/<pid>/cmdline`), or undefined. */
export function groupOf(cmdline: string): string | undefined {
  const c = cmdline.replace(/\0/g, ' ');
  if (c.includes('mariadbd')) return c.includes('replica') ? 'MariaDB replicas' : 'MariaDB primaries';
  if (/^\S*java /.test(c)) {
    if (c.includes('zipkin')) return 'Zipkin';
    if (c.includes('zookeeper')) return 'ZooKeeper';
    if (c.includes('kafka')) return 'Kafka';
    return 'other JVMs';
  }
  if (c.startsWith('redis-server')) return 'Redis';
  if (c.startsWith('prometheus')) return 'Prometheus';
  if (/trace-guard|registry-sd|^socat /.test(c)) return 'trace guard, registry-sd';
  return undefined;
}

/** Every process of the stack now running, by pid, with its group; this process is the load generator. */
function stackProcesses(): Map<number, string> {
  const out = new Map<number, string>([[process.pid, 'load generator']]);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const g = groupOf(readFileSync(`/proc/${name}/cmdline`, 'utf8'));
      if (g !== undefined) out.set(Number(name), g);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function processJiffies(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    return parseProcessStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return 0;
  }
}

/**
 * The wall of a point: the CPU when the machine's cores were busy (>= 90%), the disk when it waited
 * on I/O for a tenth of its time or more, else waiting (round trips, locks, commits queued).
 */
export function wallOf(use: MachineUse, rowLockWaitMsPerOrder: number): string {
  if (use.busyPct >= 90) {
    const [top] = cpuByGroup(use);
    return `CPU (${use.busyPct.toFixed(0)}% busy${top ? `, ${top[0]} the most` : ''})`;
  }
  if (use.ioWaitPct >= 10) return `disk (${use.ioWaitPct.toFixed(0)}% I/O wait)`;
  if (rowLockWaitMsPerOrder >= 1) return `row locks (${rowLockWaitMsPerOrder.toFixed(1)} ms per order)`;
  return `waiting (${use.busyPct.toFixed(0)}% busy): round trips and commits`;
}

/** Every app and group with its CPU share, the biggest first. */
export function cpuByGroup(use: MachineUse): [string, number][] {
  return [...Object.entries(use.appsPct), ...Object.entries(use.othersPct)]
    .map(([k, v]): [string, number] => [k, v ?? 0])
    .sort((a, b) => b[1] - a[1]);
}

/** Fsyncs and row-lock wait (ms) of every primary, summed (SHOW GLOBAL STATUS needs no privilege). */
async function primaryCounters(): Promise<{ fsyncs: number; rowLockMs: number }> {
  let fsyncs = 0;
  let rowLockMs = 0;
  for (const c of MYSQL_CLUSTERS) {
    const conn = await createConnection({
      host: '127.0.0.1',
      port: c.primaryPort,
      user: DB_USERS.monitor.name,
      password: DB_USERS.monitor.password,
    });
    try {
      const [rows] = await conn.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_data_fsyncs', 'Innodb_row_lock_time')");
      for (const r of rows as { Variable_name: string; Value: string }[]) {
        if (r.Variable_name === 'Innodb_data_fsyncs') fsyncs += Number(r.Value);
        else rowLockMs += Number(r.Value);
      }
    } finally {
      await conn.end();
    }
  }
  return { fsyncs, rowLockMs };
}

/** Runs `work` and says where the machine's CPU went meanwhile: each of `apps` (by app), each server group, the rest. */
export async function machineUseDuring<T>(apps: readonly AppInstance[], work: () => Promise<T>): Promise<{ result: T; use: MachineUse }> {
  const appJiffies = (): Map<AppInstance, number> => new Map(apps.map((a) => [a, processJiffies(a.child?.pid)]));
  const others = stackProcesses();
  const othersJiffies = (): Map<number, number> => new Map([...others.keys()].map((pid) => [pid, processJiffies(pid)]));
  const cpu0 = parseProcStat(readFileSync('/proc/stat', 'utf8'));
  const apps0 = appJiffies();
  const others0 = othersJiffies();
  const result = await work();
  const cpu1 = parseProcStat(readFileSync('/proc/stat', 'utf8'));
  const apps1 = appJiffies();
  const others1 = othersJiffies();
  const total = Math.max(1, cpu1.total - cpu0.total);
  const appsPct: Partial<Record<AppName, number>> = {};
  let appsSum = 0;
  for (const [a, j1] of apps1) {
    const d = Math.max(0, j1 - (apps0.get(a) ?? j1));
    appsSum += d;
    appsPct[a.app] = (appsPct[a.app] ?? 0) + (100 * d) / total;
  }
  const othersPct: Record<string, number> = {};
  let othersSum = 0;
  for (const [pid, j1] of others1) {
    const d = Math.max(0, j1 - (others0.get(pid) ?? j1));
    othersSum += d;
    const g = others.get(pid) ?? 'other';
    othersPct[g] = (othersPct[g] ?? 0) + (100 * d) / total;
  }
  const use: MachineUse = {
    busyPct: (100 * (cpu1.busy - cpu0.busy)) / total,
    ioWaitPct: (100 * (cpu1.ioWait - cpu0.ioWait)) / total,
    appsPct,
    othersPct,
    restPct: Math.max(0, (100 * (cpu1.busy - cpu0.busy - appsSum - othersSum)) / total),
  };
  return { result, use };
}

/** Runs `connections` on the fleet's gateways (split as evenly as they go) for `seconds`, sampling the machine around it. */
async function point(fleet: OrderFleet, instances: number, connections: number, seconds: number): Promise<ScalePoint> {
  const shares = fleet.gatewayUrls.map(
    (_, i) => Math.floor(connections / fleet.gatewayUrls.length) + (i < connections % fleet.gatewayUrls.length ? 1 : 0),
  );
  const db0 = await primaryCounters();
  const { result: results, use } = await machineUseDuring(fleet.apps, () =>
    Promise.all(
      fleet.gatewayUrls.flatMap((url, i) =>
        (shares[i] ?? 0) > 0 ? [fleet.run({ connections: shares[i] ?? 0, durationSeconds: seconds, rate: 0 }, url)] : [],
      ),
    ),
  );
  const db1 = await primaryCounters();
  const ordersPerSec = results.reduce((n, r) => n + r.successesPerSec, 0);
  const orders = results.reduce((n, r) => n + (r.statusCodes['201'] ?? 0), 0);
  const rowLockWaitMsPerOrder = (db1.rowLockMs - db0.rowLockMs) / Math.max(1, orders);
  return {
    instances,
    connections,
    ordersPerSec,
    p50Ms: Math.max(...results.map((r) => r.latencyMs.p50)),
    p99Ms: Math.max(...results.map((r) => r.latencyMs.p99)),
    failed: results.reduce(
      (n, r) => n + r.errors + Object.entries(r.statusCodes).reduce((m, [s, k]) => m + (s.startsWith('2') ? 0 : k), 0),
      0,
    ),
    use,
    fsyncsPerOrder: (db1.fsyncs - db0.fsyncs) / Math.max(1, orders),
    rowLockWaitMsPerOrder,
    wall: wallOf(use, rowLockWaitMsPerOrder),
  };
}

/** Every point of the curves, a fresh fleet per instance count, warmed up with 300 orders on 32 connections. */
export async function scaleCurves(progress: (s: string) => void, options: ScaleOptions = DEFAULT_SCALE_OPTIONS): Promise<ScalePoint[]> {
  const points: ScalePoint[] = [];
  for (const instances of options.instances) {
    await withOrderFleet(`bench-scale-${instances}`, {}, progress, { instances }, async (fleet) => {
      await fleet.run({ connections: 32, durationSeconds: 0, rate: 0, amount: 300 });
      for (const connections of options.connections) {
        progress(`scale: ${instances} instance(s) of each service, ${connections} connection(s), ${options.seconds} s`);
        const p = await point(fleet, instances, connections, options.seconds);
        progress(`scale: ${p.ordersPerSec.toFixed(0)} orders/s, p99 ${p.p99Ms.toFixed(0)} ms; ${p.wall}`);
        points.push(p);
      }
    });
  }
  return points;
}

/** A Mermaid line chart of orders/s over connections, one line per instance count (GitHub renders it in the report). */
export function scaleChart(points: readonly ScalePoint[]): string[] {
  const connections = [...new Set(points.map((p) => p.connections))].sort((a, b) => a - b);
  const instances = [...new Set(points.map((p) => p.instances))].sort((a, b) => a - b);
  const top = Math.max(1, ...points.map((p) => p.ordersPerSec));
  const lines = instances.map((n) => {
    const ys = connections.map((c) => points.find((p) => p.instances === n && p.connections === c)?.ordersPerSec ?? 0);
    return `    line [${ys.map((y) => y.toFixed(0)).join(', ')}]`;
  });
  return [
    '```mermaid',
    'xychart-beta',
    `    title "POST /api/orders: orders/s by connections (${instances.map((n) => `${n} instance${n > 1 ? 's' : ''}`).join(' / ')} of each service)"`,
    `    x-axis "connections" [${connections.join(', ')}]`,
    `    y-axis "orders/s" 0 --> ${Math.ceil((top * 1.1) / 10) * 10}`,
    ...lines,
    '```',
  ];
}
