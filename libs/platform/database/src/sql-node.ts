import { DataSource, type EntityManager, type MixedList, type EntitySchema } from 'typeorm';
import type { HealthCheck, JsonLogger } from '@dsp/service-defaults';
import { DirectQueryEntityManager, type DirectQueryTarget } from './direct-query-entity-manager';
import { GtidPosition } from './gtid-position';
import type { MysqlEndpoint } from './mysql-endpoint';

export interface SqlNodeOptions {
  /** Connections kept to this server. @default 10 */
  poolSize: number;
  /** Give up opening a connection after this long, in ms. @default 2000 */
  connectTimeoutMs: number;
  /** Retry a failed initial connection this often, in ms, until it succeeds or the node is closed. @default 1000 */
  reconnectIntervalMs: number;
  /** Entities (typeorm `EntitySchema`s) this node maps. @default [] */
  entities: MixedList<EntitySchema>;
}

export const DEFAULT_SQL_NODE_OPTIONS: SqlNodeOptions = {
  poolSize: 10,
  connectTimeoutMs: 2000,
  reconnectIntervalMs: 1000,
  entities: [],
};

/** LATENT -> CONNECTING -> OPEN -> CLOSED; a node that cannot connect at start stays CONNECTING and keeps trying. */
export type SqlNodeState = 'LATENT' | 'CONNECTING' | 'OPEN' | 'CLOSED';

/** The server of a {@link SqlNode} is unreachable or not open yet. Maps to HTTP 503. */
export class SqlNodeUnavailableError extends Error {
  constructor(
    readonly label: string,
    reason: string,
  ) {
    super(`database ${label} is unavailable: ${reason}`);
  }
}

/** Error codes of mysql2 that mean "the server or the connection is gone", not "the statement is wrong". */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'EHOSTUNREACH',
]);

export function isConnectionError(e: unknown): boolean {
  if (e instanceof SqlNodeUnavailableError) return true;
  const err = e as { code?: string; driverError?: { code?: string } } | null;
  const code = err?.driverError?.code ?? err?.code;
  return code !== undefined && CONNECTION_ERRORS.has(code);
}

/**
 * One MySQL-compatible server behind a typeorm `DataSource` (mysql2 driver),
 * with an explicit lifecycle: `start()` once (a second call throws), `close()`
 * safe to call twice. A server that is down at start does not stop the
 * service: the node stays CONNECTING, retries in the background and reports
 * itself unready; once OPEN, broken connections are dropped by the pool and a
 * restarted server is used again without restarting the service.
 *
 * `transaction()` returns the GTID the commit produced (`@@last_gtid`), the
 * token that read-your-writes routing waits for on replicas.
 */
export class SqlNode {
  private readonly options: SqlNodeOptions;
  private state: SqlNodeState = 'LATENT';
  private ds: DataSource | undefined;
  private direct: DirectQueryEntityManager | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastError = 'not started';

  constructor(
    readonly endpoint: MysqlEndpoint,
    private readonly logger: JsonLogger,
    options: Partial<SqlNodeOptions> = {},
  ) {
    this.options = { ...DEFAULT_SQL_NODE_OPTIONS, ...options };
    if (this.options.poolSize < 1) throw new Error(`SqlNode(${endpoint.label}): poolSize must be >= 1`);
  }

  get label(): string {
    return this.endpoint.label;
  }

  get status(): SqlNodeState {
    return this.state;
  }

  get isOpen(): boolean {
    return this.state === 'OPEN';
  }

  /** Starts connecting; resolves after the first attempt (OPEN or still CONNECTING), never rejects for a down server. */
  async start(): Promise<void> {
    if (this.state !== 'LATENT') throw new Error(`SqlNode(${this.label}).start() called when ${this.state}`);
    this.transition('CONNECTING');
    await this.attempt();
  }

  private async attempt(): Promise<void> {
    if (this.state !== 'CONNECTING') return;
    const e = this.endpoint;
    const ds = new DataSource({
      type: 'mariadb',
      host: e.host,
      port: e.port,
      username: e.user,
      password: e.password,
      database: e.database,
      poolSize: this.options.poolSize,
      connectTimeout: this.options.connectTimeoutMs,
      supportBigNumbers: true,
      bigNumberStrings: true,
      timezone: 'Z',
      entities: this.options.entities,
      extra: { enableKeepAlive: true, idleTimeout: 60_000 },
    });
    try {
      await ds.initialize();
      if (this.state !== 'CONNECTING') {
        await ds.destroy();
        return;
      }
      this.ds = ds;
      const pool = (ds.driver as unknown as { pool: DirectQueryTarget }).pool;
      this.direct = new DirectQueryEntityManager(ds, () => pool);
      this.transition('OPEN');
    } catch (err) {
      this.lastError = (err as Error).message;
      await ds.destroy().catch(() => undefined);
      this.logger.warn(
        { component: 'sql-node', endpoint: this.label, err: this.lastError, retryMs: this.options.reconnectIntervalMs },
        'cannot connect; retrying in the background',
      );
      this.retryTimer = setTimeout(() => void this.attempt(), this.options.reconnectIntervalMs);
      this.retryTimer.unref();
    }
  }

  private transition(to: SqlNodeState): void {
    const from = this.state;
    this.state = to;
    const e = this.endpoint;
    this.logger.info(
      { component: 'sql-node', endpoint: e.label, host: e.host, port: e.port, database: e.database, from, to },
      `sql node ${from} -> ${to}`,
    );
  }

  private dataSource(): DataSource {
    if (this.state !== 'OPEN' || this.ds === undefined) {
      throw new SqlNodeUnavailableError(this.label, this.state === 'CONNECTING' ? this.lastError : this.state);
    }
    return this.ds;
  }

  /** The node's entity manager (one statement per call, auto-commit); its raw `query` goes straight to the pool. */
  get manager(): EntityManager {
    this.dataSource();
    return this.direct as DirectQueryEntityManager;
  }

  /**
   * The pool's connections at this moment: `open` (idle or in use), `idle`, and `waiting`
   * (queries queued for a free connection, the sign of a pool too small for its load);
   * undefined while the node is not OPEN. Read from mysql2's pool, which keeps no public count.
   */
  poolStats(): { open: number; idle: number; waiting: number } | undefined {
    if (this.state !== 'OPEN' || this.ds === undefined) return undefined;
    const pool = (
      this.ds.driver as unknown as {
        pool?: Partial<Record<'_allConnections' | '_freeConnections' | '_connectionQueue', { length: number }>>;
      }
    ).pool;
    if (pool?._allConnections === undefined) return undefined;
    return { open: pool._allConnections.length, idle: pool._freeConnections?.length ?? 0, waiting: pool._connectionQueue?.length ?? 0 };
  }

  /** Runs one statement with `?` placeholders. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return await this.manager.query<T[]>(sql, params);
    } catch (e) {
      throw this.unavailableIfConnection(e);
    }
  }

  /** A lost or refused connection becomes {@link SqlNodeUnavailableError} (503); a statement error stays as it is. */
  unavailableIfConnection(e: unknown): unknown {
    if (e instanceof SqlNodeUnavailableError || !isConnectionError(e)) return e;
    return new SqlNodeUnavailableError(this.label, (e as Error).message);
  }

  /**
   * Runs `work` in one transaction (REPEATABLE READ) and commits it; rolls back
   * if it throws. Returns the result and the GTID of the commit (empty when the
   * transaction wrote nothing).
   */
  async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<{ result: T; gtid: GtidPosition }> {
    const ds = this.dataSource();
    const qr = ds.createQueryRunner('master');
    try {
      const connection = (await qr.connect()) as DirectQueryTarget;
      const em = new DirectQueryEntityManager(ds, () => connection, qr);
      await qr.startTransaction();
      let result: T;
      try {
        result = await work(em);
        await qr.commitTransaction();
      } catch (e) {
        if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
        throw e;
      }
      const rows = await em.query<{ g: string | null }[]>('SELECT @@last_gtid AS g');
      return { result, gtid: GtidPosition.parse(rows[0]?.g ?? '') };
    } catch (e) {
      throw this.unavailableIfConnection(e);
    } finally {
      await qr.release().catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  healthCheck(name = `mysql:${this.label}`): HealthCheck {
    return { name, check: () => this.ping() };
  }

  /** Stops retrying and closes the pool; safe to call twice or before `start()`. */
  async close(): Promise<void> {
    if (this.state === 'CLOSED') return;
    clearTimeout(this.retryTimer);
    const ds = this.ds;
    this.ds = undefined;
    this.direct = undefined;
    this.transition('CLOSED');
    await ds?.destroy().catch(() => undefined);
  }
}
