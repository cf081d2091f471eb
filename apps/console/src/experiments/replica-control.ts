import { parseHostPort, SqlNode } from '@dsp/database';
import type { JsonLogger } from '@dsp/service-defaults';

/** A replica's replication state, as `SHOW SLAVE STATUS` gives it. */
export interface ReplicaThreads {
  readonly sqlRunning: boolean;
  readonly ioRunning: boolean;
  /** Binlog bytes received but not yet applied (`Read_Master_Log_Pos - Exec_Master_Log_Pos`, same file), or undefined. */
  readonly unappliedBytes: number | undefined;
}

/** What the replica experiment may do to a replica: stop and start its SQL thread, read its threads' state. */
export interface ReplicaControl {
  stopSql(replica: string): Promise<void>;
  startSql(replica: string): Promise<void>;
  threads(replica: string): Promise<ReplicaThreads>;
}

/**
 * {@link ReplicaControl} on MariaDB replicas at `host:port`, as the console's
 * operator account (`dsp_console_op`: REPLICATION SLAVE ADMIN and SLAVE
 * MONITOR, no table). One short connection per call (a {@link SqlNode} of
 * one connection, closed after it), so the console keeps no operator
 * connection open between runs; a server it cannot reach fails the call.
 */
export class MariadbReplicaControl implements ReplicaControl {
  constructor(
    private readonly account: { user: string; password: string },
    private readonly logger: JsonLogger,
  ) {}

  async stopSql(replica: string): Promise<void> {
    await this.query(replica, 'STOP SLAVE SQL_THREAD');
  }

  async startSql(replica: string): Promise<void> {
    await this.query(replica, 'START SLAVE SQL_THREAD');
  }

  async threads(replica: string): Promise<ReplicaThreads> {
    const [row] = (await this.query(replica, 'SHOW SLAVE STATUS')) as Record<string, string | number | null>[];
    if (!row) throw new Error(`${replica} is not a replica (SHOW SLAVE STATUS is empty)`);
    const sameFile = row['Master_Log_File'] === row['Relay_Master_Log_File'];
    return {
      sqlRunning: row['Slave_SQL_Running'] === 'Yes',
      ioRunning: row['Slave_IO_Running'] === 'Yes',
      unappliedBytes: sameFile ? Number(row['Read_Master_Log_Pos']) - Number(row['Exec_Master_Log_Pos']) : undefined,
    };
  }

  private async query(replica: string, sql: string): Promise<unknown[]> {
    const node = new SqlNode(
      { label: `replica ${replica}`, ...parseHostPort(replica), user: this.account.user, password: this.account.password, database: '' },
      this.logger,
      { poolSize: 1 },
    );
    try {
      await node.start();
      if (!node.isOpen) throw new Error(`cannot connect to ${replica} as ${this.account.user}`);
      return await node.query(sql);
    } finally {
      await node.close();
    }
  }
}
