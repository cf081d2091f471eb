import { createPool, type Pool, type PoolOptions } from 'mysql2/promise';
import type { HealthCheck, JsonLogger } from '@dsp/service-defaults';
import type { MysqlEndpoint } from './mysql-endpoint';

export interface MysqlPoolOptions {
  /** Connections kept per endpoint. @default 10 */
  connectionLimit: number;
  /** Give up connecting after this long, in ms. @default 2000 */
  connectTimeoutMs: number;
}

export const DEFAULT_MYSQL_POOL_OPTIONS: MysqlPoolOptions = { connectionLimit: 10, connectTimeoutMs: 2000 };

type Lifecycle = 'LATENT' | 'STARTED' | 'CLOSED';

/**
 * A connection pool to one MySQL-compatible server, with an explicit lifecycle
 * (`start()` once, `close()` twice safely). Connections are opened lazily and
 * a broken one is dropped from the pool, so a restarted server is used again
 * without restarting the service.
 */
export class MysqlPool {
  private lifecycle: Lifecycle = 'LATENT';
  private pool: Pool | undefined;
  private readonly options: MysqlPoolOptions;

  constructor(
    readonly endpoint: MysqlEndpoint,
    private readonly logger: JsonLogger,
    options: Partial<MysqlPoolOptions> = {},
  ) {
    this.options = { ...DEFAULT_MYSQL_POOL_OPTIONS, ...options };
  }

  start(): void {
    if (this.lifecycle !== 'LATENT') throw new Error(`MysqlPool(${this.endpoint.label}).start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
    const e = this.endpoint;
    const opts: PoolOptions = {
      host: e.host,
      port: e.port,
      user: e.user,
      password: e.password,
      database: e.database,
      connectionLimit: this.options.connectionLimit,
      connectTimeout: this.options.connectTimeoutMs,
      enableKeepAlive: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    };
    this.pool = createPool(opts);
    this.logger.info(
      { component: 'mysql', endpoint: e.label, host: e.host, port: e.port, database: e.database },
      'mysql pool LATENT -> STARTED',
    );
  }

  get raw(): Pool {
    if (this.lifecycle !== 'STARTED' || this.pool === undefined) throw new Error(`MysqlPool(${this.endpoint.label}) is ${this.lifecycle}`);
    return this.pool;
  }

  async ping(): Promise<void> {
    await this.raw.query('SELECT 1');
  }

  healthCheck(): HealthCheck {
    return { name: `mysql:${this.endpoint.label}`, check: () => this.ping() };
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'CLOSED') return;
    const was = this.lifecycle;
    this.lifecycle = 'CLOSED';
    if (was === 'STARTED') {
      await this.pool?.end().catch(() => undefined);
      this.logger.info({ component: 'mysql', endpoint: this.endpoint.label }, 'mysql pool STARTED -> CLOSED');
    }
  }
}
