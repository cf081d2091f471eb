import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The inodes of sockets listening on `port` (any address) from one `/proc/net/tcp[6]` table. */
export function listeningInodes(table: string, port: number): Set<string> {
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const [local, state, inode] = [cols[1], cols[3], cols[9]];
    if (!local || state !== '0A' || !inode || inode === '0') continue; // 0A = TCP_LISTEN
    if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode);
  }
  return inodes;
}

/**
 * The pid of the process on this machine listening on TCP `port`, found the
 * way `ss -ltp` finds it: the socket's inode in `/proc/net/tcp` and `tcp6`,
 * then the process holding a descriptor to that socket. Guarantees: it answers
 * only for a loopback address (`127.0.0.1`, `::1`, `localhost`; anything else
 * throws, so nothing acts on another machine's process), and only with a
 * process this user may inspect; undefined when nobody listens there.
 */
export function listeningPid(address: string, port: number): number | undefined {
  if (!LOOPBACK.has(address)) throw new Error(`${address}:${port} is not a loopback address: only processes on this machine are looked up`);
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const i of listeningInodes(readFileSync(table, 'utf8'), port)) inodes.add(i);
    } catch {
      // no IPv6 table on this kernel
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m?.[1] && inodes.has(m[1])) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}
