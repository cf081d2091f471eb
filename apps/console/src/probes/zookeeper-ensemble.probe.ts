import { fourLetterWord, parseSrvr, type ZkServerState } from './four-letter-word';
import type { Probe } from './probe';

/** One server of the ensemble as configured, with its role in the configuration. */
export interface ZkServerAddress {
  readonly myid: number;
  readonly host: string;
  readonly port: number;
  readonly role: 'voter' | 'observer';
}

/** One server's row: what it says of itself, or why it did not answer. */
export type ZkServerRow = ZkServerAddress &
  ({ readonly up: true; readonly state: ZkServerState } | { readonly up: false; readonly error: string });

export interface ZkEnsembleView {
  readonly servers: readonly ZkServerRow[];
  /** The myid of the server that says it leads, if exactly one does. */
  readonly leader?: number;
  /** Voters answering as leader or follower, and how many make a quorum (n/2+1). */
  readonly votersServing: number;
  readonly quorum: number;
}

/**
 * The ensemble panel: `srvr` on each server's client port (whitelisted
 * four-letter word, no session, no znode read). A server that is down or has
 * no quorum is a row with its reason, never a failed panel.
 */
export class ZookeeperEnsembleProbe implements Probe<ZkEnsembleView> {
  readonly name = 'zookeeper';
  readonly cost: string;

  constructor(
    private readonly servers: readonly ZkServerAddress[],
    readonly intervalMs = 1000,
  ) {
    this.cost = `one \`srvr\` per server (${servers.length}) every ${intervalMs} ms: a TCP connection each, no session`;
  }

  async collect(): Promise<ZkEnsembleView> {
    const rows = await Promise.all(
      this.servers.map(async (s): Promise<ZkServerRow> => {
        try {
          return { ...s, up: true, state: parseSrvr(await fourLetterWord(s.host, s.port, 'srvr')) };
        } catch (e) {
          return { ...s, up: false, error: (e as Error).message };
        }
      }),
    );
    const leaders = rows.filter((r) => r.up && r.state.mode === 'leader');
    const voters = this.servers.filter((s) => s.role === 'voter').length;
    return {
      servers: rows,
      ...(leaders.length === 1 && leaders[0] ? { leader: leaders[0].myid } : {}),
      votersServing: rows.filter((r) => r.role === 'voter' && r.up && (r.state.mode === 'leader' || r.state.mode === 'follower')).length,
      quorum: Math.floor(voters / 2) + 1,
    };
  }

  async close(): Promise<void> {
    // Nothing held between reads.
  }
}
