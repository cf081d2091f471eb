import type { RedisConnection } from '@dsp/redis';
import type { Probe } from './probe';

export interface RedisView {
  readonly version: string;
  readonly role: string;
  readonly uptimeSeconds: number;
  readonly connectedClients: number;
  readonly usedMemory: string;
  readonly maxMemory: string;
  /** Keys in db 0 (sessions, rate-limit windows, locks, stock: the console cannot list them). */
  readonly keys: number;
  readonly expires: number;
  readonly aof: { readonly enabled: boolean; readonly lastWrite: string; readonly rewriteInProgress: boolean; readonly size: string };
  readonly opsPerSecond: number;
}

/** `INFO`'s `key:value` lines, every section in one map. */
export function parseInfo(text: string): Map<string, string> {
  const kv = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return kv;
}

/**
 * The Redis panel: one `INFO` (server state: memory, AOF, clients, key
 * counts) as `dsp-console`, whose ACL allows INFO and PING only: no key, no
 * channel, no CONFIG (docs/security.md).
 */
export class RedisProbe implements Probe<RedisView> {
  readonly name = 'redis';
  readonly cost: string;

  constructor(
    private readonly connection: RedisConnection,
    readonly intervalMs = 2000,
  ) {
    this.cost = `one INFO every ${intervalMs} ms`;
  }

  private started = false;

  async collect(): Promise<RedisView> {
    // The connection starts once (ioredis then reconnects by itself); a failed start is this read's error.
    if (!this.started) {
      this.started = true;
      await this.connection.start();
    }
    const kv = parseInfo(await this.connection.client.info());
    const db0 = /keys=(\d+),expires=(\d+)/.exec(kv.get('db0') ?? '');
    const aofSize = Number(kv.get('aof_current_size') ?? NaN);
    return {
      version: kv.get('redis_version') ?? '',
      role: kv.get('role') ?? '',
      uptimeSeconds: Number(kv.get('uptime_in_seconds') ?? 0),
      connectedClients: Number(kv.get('connected_clients') ?? 0),
      usedMemory: kv.get('used_memory_human') ?? '',
      maxMemory: kv.get('maxmemory_human') ?? '',
      keys: Number(db0?.[1] ?? 0),
      expires: Number(db0?.[2] ?? 0),
      aof: {
        enabled: kv.get('aof_enabled') === '1',
        lastWrite: kv.get('aof_last_write_status') ?? '',
        rewriteInProgress: kv.get('aof_rewrite_in_progress') === '1',
        size: Number.isFinite(aofSize) ? `${(aofSize / 1024).toFixed(0)} KiB` : '',
      },
      opsPerSecond: Number(kv.get('instantaneous_ops_per_sec') ?? 0),
    };
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
