import { EntityManager, QueryFailedError, type DataSource, type ObjectLiteral, type QueryRunner } from 'typeorm';

/** What mysql2's callback pool and pool connection have in common: one statement with `?` placeholders. */
export interface DirectQueryTarget {
  query(sql: string, values: unknown[] | undefined, callback: (err: Error | null, result: unknown) => void): void;
}

/**
 * An `EntityManager` whose raw `query(sql, params)` goes straight to mysql2,
 * on `target()`: the pool outside a transaction, the transaction's own
 * connection inside one.
 *
 * Guarantees: the statement, its parameters, the connection it runs on and
 * its result are exactly those of typeorm's `EntityManager.query` (rows for a
 * SELECT, mysql2's `ResultSetHeader` with `affectedRows` for a write), and a
 * failed statement rejects with typeorm's `QueryFailedError` carrying the
 * driver's error (`driverError.code`). What it leaves out is typeorm's per-statement
 * machinery that this platform does not use: a query runner per
 * statement, its `BeforeQuery`/`AfterQuery` subscriber events and query
 * logging (the platform's data sources configure neither), and a copy of the
 * rows. That machinery cost about 30 µs a statement, 0.6x a raw mysql2 pool
 * (ADR 0020). Repositories, query builders and named parameters
 * (`query(sql, {..})`) still take typeorm's path.
 */
export class DirectQueryEntityManager extends EntityManager {
  constructor(
    dataSource: DataSource,
    private readonly target: () => DirectQueryTarget,
    queryRunner?: QueryRunner,
  ) {
    super(dataSource, queryRunner);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- typeorm's own signature
  override query<T = any>(sql: string, parameters?: any[] | ObjectLiteral): Promise<T> {
    if (parameters !== undefined && !Array.isArray(parameters)) return super.query<T>(sql, parameters);
    if (this.queryRunner?.isReleased) return super.query<T>(sql, parameters); // typeorm's own error
    return new Promise<T>((resolve, reject) => {
      this.target().query(sql, parameters, (err, result) => {
        if (err) reject(new QueryFailedError(sql, parameters, err));
        else resolve(result as T);
      });
    });
  }
}
