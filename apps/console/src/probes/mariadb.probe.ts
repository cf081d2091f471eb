import type { SqlNode } from '@dsp/database';
import type { Probe } from './probe';

/** One cluster's servers, as the console reads them. */
export interface MariadbCluster {
  readonly index: number;
  readonly primary: SqlNode;
  readonly replica: SqlNode;
}

export interface MariadbReplicaRow {
  readonly ioRunning: boolean;
  readonly sqlRunning: boolean;
  /** `Seconds_Behind_Master`; null while the SQL thread is stopped. */
  readonly secondsBehind: number | null;
  readonly gtidPos: string;
  readonly lastError: string;
}

export interface MariadbClusterRow {
  readonly cluster: number;
  readonly primary: { readonly up: true; readonly gtidBinlogPos: string } | { readonly up: false; readonly error: string };
  readonly replica: ({ readonly up: true } & MariadbReplicaRow) | { readonly up: false; readonly error: string };
}

export interface MariadbView {
  readonly clusters: readonly MariadbClusterRow[];
}

/**
 * The MariaDB panel: each cluster's primary binlog position and its replica's
 * threads, lag and position, read as `dsp_console` (SLAVE MONITOR and BINLOG
 * MONITOR only: it can read no table, docs/security.md). A server that is down
 * is a row with its reason.
 */
export class MariadbProbe implements Probe<MariadbView> {
  readonly name = 'mariadb';
  readonly cost: string;

  constructor(
    private readonly clusters: readonly MariadbCluster[],
    readonly intervalMs = 2000,
  ) {
    this.cost = `every ${intervalMs} ms: one SELECT @@gtid_binlog_pos per primary, one SHOW SLAVE STATUS per replica (${clusters.length} clusters)`;
  }

  async collect(): Promise<MariadbView> {
    const clusters = await Promise.all(
      this.clusters.map(async (c): Promise<MariadbClusterRow> => {
        const [primary, replica] = await Promise.all([this.primary(c.primary), this.replica(c.replica)]);
        return { cluster: c.index, primary, replica };
      }),
    );
    return { clusters };
  }

  async close(): Promise<void> {
    await Promise.all(this.clusters.flatMap((c) => [c.primary.close(), c.replica.close()]));
  }

  private async primary(node: SqlNode): Promise<MariadbClusterRow['primary']> {
    try {
      const [row] = await node.query<{ pos: string }>('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
      return { up: true, gtidBinlogPos: row?.pos ?? '' };
    } catch (e) {
      return { up: false, error: (e as Error).message };
    }
  }

  private async replica(node: SqlNode): Promise<MariadbClusterRow['replica']> {
    try {
      const [s] = await node.query<Record<string, string | number | null>>('SHOW SLAVE STATUS');
      if (!s) return { up: false, error: 'not a replica (SHOW SLAVE STATUS is empty)' };
      const behind = s['Seconds_Behind_Master'];
      return {
        up: true,
        ioRunning: s['Slave_IO_Running'] === 'Yes',
        sqlRunning: s['Slave_SQL_Running'] === 'Yes',
        secondsBehind: behind === null || behind === undefined ? null : Number(behind),
        gtidPos: String(s['Gtid_IO_Pos'] ?? ''),
        lastError: String(s['Last_SQL_Error'] || s['Last_IO_Error'] || ''),
      };
    } catch (e) {
      return { up: false, error: (e as Error).message };
    }
  }
}
