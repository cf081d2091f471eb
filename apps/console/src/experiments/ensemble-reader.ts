import { fourLetterWord, parseSrvr, type ZkServerState } from '../probes/four-letter-word';
import type { ZkServerAddress } from '../probes/zookeeper-ensemble.probe';

/** One server as `srvr` describes it, or undefined while it does not serve. */
export type ServerReading = ZkServerAddress & { readonly state?: ZkServerState };

/** Reads `srvr` from every server at once. */
export async function readEnsemble(servers: readonly ZkServerAddress[]): Promise<ServerReading[]> {
  return Promise.all(
    servers.map(async (s) => {
      try {
        return { ...s, state: parseSrvr(await fourLetterWord(s.host, s.port, 'srvr', 1000)) };
      } catch {
        return { ...s };
      }
    }),
  );
}

/** Polls `readEnsemble` every `everyMs` until `done` says yes; rejects with `what` after `timeoutMs` or on abort. */
export async function waitFor<T>(
  servers: readonly ZkServerAddress[],
  done: (r: ServerReading[]) => T | undefined,
  what: string,
  signal: AbortSignal,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<{ value: T; afterMs: number; readings: ServerReading[] }> {
  const began = Date.now();
  for (;;) {
    const readings = await readEnsemble(servers);
    const value = done(readings);
    if (value !== undefined) return { value, afterMs: Date.now() - began, readings };
    if (signal.aborted) throw new Error(`aborted while waiting for ${what}`);
    if (Date.now() - began > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const daemonOf = (s: { myid: number }): string => `zk-${s.myid}`;
export const hex = (n: bigint | number): string => `0x${n.toString(16)}`;
