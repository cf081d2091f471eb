import { connect } from 'node:net';

/** Sends a ZooKeeper four-letter word (`srvr`) to `host:port` and resolves with the whole answer. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`${word} to ${host}:${port}: no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', () => socket.end(word));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** One server's line in the ensemble panel, from its `srvr` answer. */
export interface ZkServerState {
  readonly mode: 'leader' | 'follower' | 'observer' | 'standalone';
  /** The last transaction id, hex, as `srvr` prints it. */
  readonly zxid: string;
  /** The epoch: the leader's term, the high 32 bits of the zxid. */
  readonly epoch: number;
  /** The transaction counter within the epoch: the low 32 bits. */
  readonly counter: number;
  readonly connections: number;
  readonly nodes: number;
  readonly version: string;
}

/**
 * Parses `srvr`: `Mode: leader`, `Zxid: 0x300000012`, `Connections: 5`, ...
 * Throws with the server's own words when it does not serve (e.g. "This
 * ZooKeeper instance is not currently serving requests" while it has no quorum).
 */
export function parseSrvr(text: string): ZkServerState {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const mode = kv.get('Mode');
  const zxid = kv.get('Zxid');
  if (mode === undefined || zxid === undefined || !/^0x[0-9a-f]+$/i.test(zxid)) {
    throw new Error(text.trim() === '' ? 'no answer to srvr' : text.trim().split('\n')[0]);
  }
  if (mode !== 'leader' && mode !== 'follower' && mode !== 'observer' && mode !== 'standalone') throw new Error(`unknown mode "${mode}"`);
  const z = BigInt(zxid);
  return {
    mode,
    zxid,
    epoch: Number(z >> 32n),
    counter: Number(z & 0xffffffffn),
    connections: Number(kv.get('Connections') ?? 0),
    nodes: Number(kv.get('Node count') ?? 0),
    version: (kv.get('Zookeeper version') ?? '').split(/[-,]/)[0] ?? '',
  };
}
