import { createHash } from 'node:crypto';
import type { OrderLineRequest, OrderView } from '@dsp/contracts';
import type { EntityManager, ShardTarget } from '@dsp/database';
import { IdempotencyInFlightError, IdempotencyMismatchError } from './order-errors';
import { ORDER_TABLES } from './order-tables';

type IdemRow = { request_hash: string; state: 'in_flight' | 'done'; response: string | OrderView | null; created_at: Date };

function isDuplicate(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string } };
  return (err.driverError?.code ?? err.code) === 'ER_DUP_ENTRY';
}

/**
 * Idempotency keys of order writes, one row per (user, key) on the user's
 * shard next to the orders (binding tables), so the key and the order it made
 * commit in one local transaction. Guarantees:
 * - one write per key: {@link claim} lets exactly one caller proceed; a key
 *   that is done answers its first response (a replay); the same key with
 *   another request is refused ({@link IdempotencyMismatchError});
 * - a key claimed by a call still in flight is refused
 *   ({@link IdempotencyInFlightError}); one left by a dead process is taken
 *   over once it is older than `inFlightTakeoverMs`;
 * - {@link complete} runs inside the write's transaction and fails it if the
 *   claim was taken over meanwhile, so two writers never both commit.
 */
export class IdempotencyKeys {
  constructor(private readonly inFlightTakeoverMs: number) {}

  /** What identifies a request's body for a key: its lines, in order. */
  static requestHash(lines: readonly OrderLineRequest[]): string {
    return createHash('sha256')
      .update(JSON.stringify(lines.map((l) => [l.sku, l.quantity])))
      .digest('hex');
  }

  /** Claims the key for a new write (resolves undefined), or resolves the first response to replay. */
  async claim(shard: ShardTarget, userId: string, key: string, hash: string, now: Date): Promise<OrderView | undefined> {
    const idem = shard.table(ORDER_TABLES.idempotency);
    for (let attempt = 0; ; attempt++) {
      try {
        await shard.source.write((em) =>
          em.query(`INSERT INTO ${idem} (user_id, idem_key, request_hash, state, created_at) VALUES (?, ?, ?, 'in_flight', ?)`, [
            userId,
            key,
            hash,
            now,
          ]),
        );
        return undefined;
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        const outcome = await this.resolveExisting(shard, userId, key, hash);
        if (outcome === 'proceed') return undefined;
        if (outcome !== 'insert-again') return outcome;
        if (attempt >= 2) throw new IdempotencyInFlightError(key);
      }
    }
  }

  /** Inside the write's transaction: marks the key done with its response; fails the transaction if the claim is no longer ours. */
  async complete(em: EntityManager, shard: ShardTarget, userId: string, key: string, order: OrderView): Promise<void> {
    const done = (await em.query(
      `UPDATE ${shard.table(ORDER_TABLES.idempotency)} SET state = 'done', status_code = 201, response = ? WHERE user_id = ? AND idem_key = ? AND state = 'in_flight'`,
      [JSON.stringify(order), userId, key],
    )) as { affectedRows: number };
    if (done.affectedRows !== 1) throw new IdempotencyInFlightError(key);
  }

  /** Frees a claim whose write committed nothing, so the client can retry (best effort: a leftover is taken over later). */
  async release(shard: ShardTarget, userId: string, key: string): Promise<void> {
    await shard.source
      .write((em) =>
        em.query(`DELETE FROM ${shard.table(ORDER_TABLES.idempotency)} WHERE user_id = ? AND idem_key = ? AND state = 'in_flight'`, [
          userId,
          key,
        ]),
      )
      .catch(() => undefined);
  }

  /** A key seen before: replay it, refuse it, take it over (abandoned: `proceed`), or it vanished meanwhile (`insert-again`). */
  private async resolveExisting(
    shard: ShardTarget,
    userId: string,
    key: string,
    hash: string,
  ): Promise<OrderView | 'proceed' | 'insert-again'> {
    const idem = shard.table(ORDER_TABLES.idempotency);
    const rows = (await shard.source.read(
      (em) => em.query(`SELECT request_hash, state, response, created_at FROM ${idem} WHERE user_id = ? AND idem_key = ?`, [userId, key]),
      { primary: true },
    )) as IdemRow[];
    const row = rows[0];
    if (!row) return 'insert-again'; // the first attempt failed and freed the key meanwhile
    if (row.request_hash !== hash) throw new IdempotencyMismatchError(key);
    if (row.state === 'done') return (typeof row.response === 'string' ? JSON.parse(row.response) : row.response) as OrderView;
    const cutoff = new Date(Date.now() - this.inFlightTakeoverMs);
    const { result: taken } = await shard.source.write(
      async (em) =>
        (
          (await em.query(
            `UPDATE ${idem} SET created_at = ? WHERE user_id = ? AND idem_key = ? AND state = 'in_flight' AND created_at < ?`,
            [new Date(), userId, key, cutoff],
          )) as { affectedRows: number }
        ).affectedRows,
    );
    if (taken !== 1) throw new IdempotencyInFlightError(key);
    return 'proceed';
  }
}
